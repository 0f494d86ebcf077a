package io.hotset.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one region, created once so the read path only increments. Names are public
 * API (see DESIGN.md): in Prometheus form {@code hotset_requests_total{region,tier,result}},
 * {@code hotset_loads_total{region,outcome}}, {@code hotset_load_seconds},
 * {@code hotset_coalesced_total}, {@code hotset_invalidations_total{region,source}},
 * {@code hotset_invalidation_lag_seconds}, {@code hotset_tier_errors_total{tier}},
 * {@code hotset_evictions_total{tier}}.
 */
final class RegionMetrics {
  private final MeterRegistry registry;
  private final String region;

  final Counter l1Hit;
  final Counter l1Miss;
  final Counter l1Stale;
  final Counter l1Negative;
  final Counter l2Hit;
  final Counter l2Miss;
  final Counter l2Negative;
  final Counter loadSuccess;
  final Counter loadAbsent;
  final Counter loadError;
  final Counter loadShed;
  final Counter loadStrong;
  final Counter loadRejectedByBloom;
  final Counter staleServedOnError;
  final Counter staleServedOnShed;
  final Counter coalesced;
  final Counter refreshes;
  final Counter evictionsL1;
  final Timer loadTime;
  final Timer invalidationLag;
  private final ConcurrentHashMap<String, Counter> invalidations = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> tierErrors = new ConcurrentHashMap<>();

  RegionMetrics(MeterRegistry registry, String region) {
    this.registry = registry;
    this.region = region;
    l1Hit = request("l1", "hit");
    l1Miss = request("l1", "miss");
    l1Stale = request("l1", "stale");
    l1Negative = request("l1", "negative");
    l2Hit = request("l2", "hit");
    l2Miss = request("l2", "miss");
    l2Negative = request("l2", "negative");
    loadSuccess = load("success");
    loadAbsent = load("absent");
    loadError = load("error");
    loadShed = load("shed");
    loadStrong = load("strong");
    loadRejectedByBloom = load("bloom_rejected");
    staleServedOnError = load("stale_on_error");
    staleServedOnShed = load("stale_on_shed");
    coalesced = Counter.builder("hotset.coalesced").tag("region", region)
        .description("misses that joined a load already in flight").register(registry);
    refreshes = Counter.builder("hotset.refreshes").tag("region", region)
        .description("background refreshes started (stale-while-revalidate, early refresh, refresh-ahead)")
        .register(registry);
    evictionsL1 = Counter.builder("hotset.evictions").tag("region", region).tag("tier", "l1")
        .description("entries evicted by size or expiry").register(registry);
    loadTime = Timer.builder("hotset.load").tag("region", region)
        .description("time spent in the loader").register(registry);
    invalidationLag = Timer.builder("hotset.invalidation.lag").tag("region", region)
        .description("from the change to its eviction from this process")
        .publishPercentiles(0.5, 0.99)
        .register(registry);
  }

  private Counter request(String tier, String result) {
    return Counter.builder("hotset.requests").tag("region", region).tag("tier", tier).tag("result", result)
        .description("reads per tier and result").register(registry);
  }

  private Counter load(String outcome) {
    return Counter.builder("hotset.loads").tag("region", region).tag("outcome", outcome)
        .description("loads from the source by outcome").register(registry);
  }

  Counter invalidations(String source) {
    return invalidations.computeIfAbsent(source, s -> Counter.builder("hotset.invalidations")
        .tag("region", region).tag("source", s).description("invalidations applied by source")
        .register(registry));
  }

  Counter tierErrors(String tier) {
    return tierErrors.computeIfAbsent(tier, t -> Counter.builder("hotset.tier.errors")
        .tag("region", region).tag("tier", t).description("failed or undecodable tier operations")
        .register(registry));
  }

  void recordLag(long millis) {
    invalidationLag.record(Duration.ofMillis(Math.max(0, millis)));
  }

  void recordLoad(long nanos) {
    loadTime.record(nanos, TimeUnit.NANOSECONDS);
  }
}
