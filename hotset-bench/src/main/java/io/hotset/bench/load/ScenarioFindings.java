package io.hotset.bench.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures each scenario exists to produce, on top of the common ones:
 * <ul>
 *   <li>{@code stampede}: {@code dbQueriesPerExpiredKey} = database product queries in the window /
 *       distinct prewarmed ids read in it (1.0 is the promise "one load per key per expiry"; a
 *       stampede shows as more). The window is the whole measurement when waiting for the TTL
 *       (1.25 x TTL by default, so every entry prewarmed before it expires once inside it, none twice while the prewarm took under 0.55 x TTL; ids read only
 *       before their expiry pull the figure below 1), or the phase after {@code --invalidate-at}.
 *   <li>{@code penetration}: {@code dbQueriesPerMissingId} = database product queries / distinct
 *       missing ids read (with a negative cache about 1, with a Bloom filter about 0; with
 *       {@code --missing-share} below 1 the queries include loads of existing ids).
 *   <li>{@code hot-key}: reads of the hot id and their observed share.
 *   <li>{@code cold-start}: seconds until a tick's share of reads served without the database
 *       (1 - db product queries / reads; the edge hit ratio when the service has no metrics) first
 *       reaches the target, and from when it stayed there.
 *   <li>{@code purge-storm}: purge requests, their errors and latency, ids purged per second.
 *   <li>any run with hooks: errors, throughput and read p99 per phase.
 * </ul>
 */
final class ScenarioFindings {
  private ScenarioFindings() {}

  /** What the run measured, as the findings need it. */
  record Context(LoadConfig cfg, double seconds, LoadResult.Totals totals, LoadResult.Service service,
      List<LoadResult.Phase> phases, List<LoadResult.Bucket> timeline, DistinctIds runIds,
      DistinctIds invalidatePhaseIds, LoadResult.Phase invalidatePhase, long hotReads, long purgedIds,
      LoadResult.Latency admin) {}

  static Map<String, Object> of(Context c) {
    Map<String, Object> f = new LinkedHashMap<>();
    LoadConfig cfg = c.cfg();
    if (cfg.prewarmKeys() > 0) {
      stampede(c, f);
    }
    if (cfg.missingShare() > 0) {
      long missing = c.runIds().count(cfg.products() + 1L, Long.MAX_VALUE);
      Long db = c.service().dbProductQueries();
      f.put("missingShare", cfg.missingShare());
      f.put("distinctMissingIds", missing);
      f.put("notFound", c.totals().notFound());
      f.put("dbProductQueries", db);
      f.put("dbQueriesPerMissingId", db == null ? null : Ratios.ratio(db, missing));
    }
    if (cfg.hotId() > 0 && cfg.hotShare() > 0) {
      f.put("hotId", cfg.hotId());
      f.put("hotReads", c.hotReads());
      f.put("hotShareObserved", Ratios.ratio(c.hotReads(), c.totals().reads()));
    }
    if (cfg.scenario().equals(Scenario.COLD_START.id())) {
      coldStart(c, f);
    }
    if (cfg.purgeRate() > 0) {
      long purges = c.totals().admin();
      long purgeErrors = c.phases().stream().flatMap(p -> p.outcomes().entrySet().stream())
          .filter(e -> e.getKey().startsWith(Outcomes.ADMIN + " ") && Outcomes.isError(e.getKey()))
          .mapToLong(Map.Entry::getValue).sum();
      f.put("purgeRequests", purges);
      f.put("purgeErrors", purgeErrors);
      f.put("purgeRequestsPerSecond", purges / c.seconds());
      f.put("purgedIds", c.purgedIds());
      f.put("purgedIdsPerSecond", c.purgedIds() / c.seconds());
      f.put("purgeP99Ms", c.admin().p99Ms());
    }
    if (c.phases().size() > 1) {
      Map<String, Object> byPhase = new LinkedHashMap<>();
      for (LoadResult.Phase p : c.phases()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("errors", p.errors());
        m.put("errorRate", Ratios.ratio(p.errors(), p.requests()));
        m.put("throughput", p.throughput());
        m.put("readP99Ms", p.read().p99Ms());
        m.put("dbProductQueriesPerSecond", p.service().dbProductQueriesPerSecond());
        byPhase.put(p.name(), m);
      }
      f.put("byPhase", byPhase);
    }
    return f;
  }

  private static void stampede(Context c, Map<String, Object> f) {
    LoadConfig cfg = c.cfg();
    boolean invalidate = cfg.invalidateAt() != null && c.invalidatePhase() != null;
    DistinctIds ids = invalidate ? c.invalidatePhaseIds() : c.runIds();
    LoadResult.Service service = invalidate ? c.invalidatePhase().service() : c.service();
    double from = invalidate ? c.invalidatePhase().startSeconds() : Double.NEGATIVE_INFINITY;
    double to = invalidate ? c.invalidatePhase().endSeconds() : Double.POSITIVE_INFINITY;
    long expired = ids.count(1, cfg.prewarmKeys());
    Long db = service.dbProductQueries();
    f.put("expiry", invalidate ? "invalidate" : "ttl");
    f.put("prewarmedKeys", cfg.prewarmKeys());
    if (!invalidate) {
      f.put("ttlSeconds", Durations.seconds(cfg.ttl()));
      // entries written at t <= 0 expire by 1.1 x TTL (jitter +-10%)
      f.put("windowCoversExpiry", c.seconds() >= 1.1 * Durations.seconds(cfg.ttl()));
    }
    f.put("expiredKeysRead", expired);
    f.put("dbProductQueries", db);
    f.put("dbQueriesPerExpiredKey", db == null ? null : Ratios.ratio(db, expired));
    f.put("peakDbProductQueriesPerSecond", c.timeline().stream()
        .filter(b -> b.t() > from && b.t() - b.seconds() < to + 1e-9 && b.dbProductQueriesPerSecond() != null)
        .mapToDouble(LoadResult.Bucket::dbProductQueriesPerSecond).max().stream().boxed().findFirst().orElse(null));
  }

  private static void coldStart(Context c, Map<String, Object> f) {
    double target = c.cfg().targetHitRatio();
    Double first = null;
    Double sustained = null;
    String source = null;
    for (LoadResult.Bucket b : c.timeline()) {
      if (b.t() < 0) {
        continue;
      }
      Double ratio = b.cacheHitRatio() != null ? b.cacheHitRatio() : b.edgeHitRatio();
      if (ratio == null) {
        continue;
      }
      source = b.cacheHitRatio() != null ? "service" : "edge";
      if (ratio >= target) {
        if (first == null) {
          first = b.t();
        }
        if (sustained == null) {
          sustained = b.t();
        }
      } else {
        sustained = null;
      }
    }
    f.put("targetHitRatio", target);
    f.put("hitRatioSource", source);
    f.put("timeToTargetSeconds", first);
    f.put("timeToSustainedTargetSeconds", sustained);
  }
}
