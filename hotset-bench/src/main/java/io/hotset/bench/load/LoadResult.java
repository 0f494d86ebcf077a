package io.hotset.bench.load;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one run measured, as written to the JSON result ({@code schema} {@value #SCHEMA}). Ratios
 * and figures that could not be measured (no requests, no {@code /metrics}) are {@code null}.
 *
 * @param seconds the measured time: from the end of warm-up until the last worker stopped
 * @param latencyMs per operation ({@code read}, {@code write}, {@code admin}) over the measurement
 * @param outcomes requests per {@code "<op> <status>"} or {@code "<op> io:<exception>"}
 * @param edge {@code X-Cache} of the responses, null when no response had one
 * @param service {@code /metrics} deltas over the measurement, summed over the metrics targets
 * @param phases the measurement split at each hook (one phase when there are none)
 * @param timeline one bucket per tick (1 s), warm-up buckets with negative {@code t}
 * @param findings the scenario's own figures (see {@link ScenarioFindings})
 */
public record LoadResult(
    String schema, String scenario, String startedAt, Map<String, Object> config,
    double seconds, Totals totals, Map<String, Latency> latencyMs, Map<String, Long> outcomes,
    Edge edge, Service service, List<Phase> phases, List<HookRun> hooks, List<Bucket> timeline,
    Prewarm prewarm, Warmup warmup, Map<String, Object> findings) {

  public static final String SCHEMA = "hotset-load/1";

  /**
   * Request counts and rates of the measurement.
   *
   * @param errors transport failures, 5xx, and 4xx other than 404 (a 404 is the expected answer
   *     for a missing id)
   * @param okThroughput requests without an error per second (throughput counts failures too)
   * @param dbShareOfReads database product queries / product reads (null without {@code /metrics})
   */
  public record Totals(long requests, long reads, long writes, long admin, long errors, long notFound,
      long transportErrors, double throughput, double okThroughput, double readThroughput, Double dbShareOfReads) {}

  /** Latency percentiles in milliseconds (null when nothing was recorded). */
  public record Latency(long count, Double meanMs, Double p50Ms, Double p95Ms, Double p99Ms, Double p999Ms,
      Double maxMs) {

    static final Latency NONE = new Latency(0, null, null, null, null, null, null);

    /** The percentiles of a histogram of microseconds. */
    static Latency of(Histogram us) {
      if (us == null || us.getTotalCount() == 0) {
        return NONE;
      }
      return new Latency(us.getTotalCount(), us.getMean() / 1000.0, ms(us, 50), ms(us, 95), ms(us, 99),
          ms(us, 99.9), us.getMaxValue() / 1000.0);
    }

    private static Double ms(Histogram us, double p) {
      return us.getValueAtPercentile(p) / 1000.0;
    }
  }

  /** Edge cache outcomes from the {@code X-Cache} response header. */
  public record Edge(long hit, long miss, long pass, long other, Double hitRatio) {}

  /** One cache tier's lookups of the product region; hitRatio = (hit + stale + negative) / all. */
  public record Tier(long hit, long miss, long stale, long negative, Double hitRatio) {}

  /**
   * The service's own counters over an interval.
   *
   * @param l1 null when the service exported no {@code hotset_requests_total} for the region
   * @param dbProductQueries {@code catalog_db_queries_total{query="product"}}, null when absent
   * @param dbQueries the same summed over every query label
   * @param complete false when a scrape of some metrics target failed (the figures are partial)
   */
  public record Service(Tier l1, Tier l2, Long dbProductQueries, Long dbQueries, Double dbProductQueriesPerSecond,
      Double dbQueriesPerSecond, Double dbShareOfReads, boolean complete, List<String> scrapeErrors) {}

  /** A stretch of the measurement between hooks. */
  public record Phase(String name, double startSeconds, double endSeconds, long requests, long reads, long writes,
      long admin, long errors, long notFound, double throughput, Latency read, Latency write,
      Map<String, Long> outcomes, long distinctIds, long distinctMissingIds, Service service) {}

  /**
   * A hook as it ran.
   *
   * @param startedSeconds when it started, since the start of the measurement
   * @param exitCode null when it did not finish within the hook timeout (it was killed)
   * @param output the first 4 KiB of its stdout and stderr
   */
  public record HookRun(String command, double atSeconds, double startedSeconds, Double finishedSeconds,
      Integer exitCode, String output) {}

  /** One tick of the timeline. */
  public record Bucket(double t, double seconds, String phase, long reads, long writes, long admin, long errors,
      double throughput, Double readP50Ms, Double readP99Ms, Double writeP99Ms, Double edgeHitRatio,
      Double l1HitRatio, Double l2HitRatio, Long dbProductQueries, Long dbQueries, Double dbProductQueriesPerSecond,
      Double cacheHitRatio) {}

  /** The read-every-id pass before a mass-expiry measurement. */
  public record Prewarm(int keys, long requests, long errors, long retried, long notWarmed, double seconds,
      boolean complete, Map<String, Long> outcomes) {}

  /** The warm-up before the measurement (not part of any figure above). */
  public record Warmup(double seconds, long requests, long errors) {}
}
