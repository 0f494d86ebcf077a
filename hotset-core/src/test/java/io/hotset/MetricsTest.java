package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Metric names are public API (DESIGN.md); check them as Prometheus renders them. */
class MetricsTest {

  @Test
  void prometheusNamesMatchTheDesign() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FakeTicker ticker = new FakeTicker();
    LocalInvalidationBus bus = new LocalInvalidationBus();
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).ticker(ticker).invalidationTransport(bus).build();
        Hotset peer = Hotset.builder().meterRegistry(registry).ticker(ticker).invalidationTransport(bus).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("product", Long.class, String.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleWhileRevalidate(Duration.ofSeconds(10))
          .loader(id -> id == 404 ? null : "p" + id).build());
      peer.region(RegionSpec.builder("peer", Long.class, String.class).ttl(Duration.ofSeconds(10)).build());
      region.get(1L); // miss + load
      region.get(1L); // hit
      region.get(404L); // miss, absent
      region.get(404L); // negative
      region.invalidate(1L);
      String text = registry.scrape();
      assertThat(text).contains(
          "hotset_requests_total{region=\"product\",result=\"hit\",tier=\"l1\"} 1.0",
          "hotset_requests_total{region=\"product\",result=\"miss\",tier=\"l1\"} 2.0",
          "hotset_requests_total{region=\"product\",result=\"negative\",tier=\"l1\"} 1.0",
          "hotset_requests_total{region=\"product\",result=\"stale\",tier=\"l1\"} 0.0",
          "hotset_loads_total{outcome=\"success\",region=\"product\"} 1.0",
          "hotset_loads_total{outcome=\"absent\",region=\"product\"} 1.0",
          "hotset_load_seconds_count{region=\"product\"} 2",
          "hotset_coalesced_total{region=\"product\"} 0.0",
          "hotset_invalidations_total{region=\"product\",source=\"api\"} 1.0",
          "hotset_invalidation_lag_seconds",
          "hotset_evictions_total{region=\"product\",tier=\"l1\"}");
    }
    assertThat(List.of(registry.scrape().split("\n"))).noneMatch(l -> l.startsWith("hotset_") && l.contains("NaN"));
  }
}
