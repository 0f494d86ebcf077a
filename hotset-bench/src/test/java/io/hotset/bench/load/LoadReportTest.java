package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadReportTest {

  @Test
  void latencyPercentilesOfAHistogramOfMicroseconds() {
    Histogram h = new Histogram(3);
    for (int ms = 1; ms <= 1000; ms++) {
      h.recordValue(ms * 1000L);
    }
    LoadResult.Latency l = LoadResult.Latency.of(h);
    assertThat(l.count()).isEqualTo(1000);
    assertThat(l.p50Ms()).isCloseTo(500, within(1.0));
    assertThat(l.p95Ms()).isCloseTo(950, within(1.0));
    assertThat(l.p99Ms()).isCloseTo(990, within(1.0));
    assertThat(l.p999Ms()).isCloseTo(999, within(1.0));
    assertThat(l.maxMs()).isCloseTo(1000, within(1.0));
    assertThat(l.meanMs()).isCloseTo(500.5, within(0.5));
    assertThat(LoadResult.Latency.of(new Histogram(3)).p99Ms()).isNull();
  }

  @Test
  void outcomesClassifyErrors() {
    Outcomes o = new Outcomes();
    o.status("read", 200);
    o.status("read", 200);
    o.status("read", 404);
    o.status("read", 503);
    o.status("write", 422);
    o.status("read", 304);
    o.failure("read", new java.net.ConnectException("refused"));
    Map<String, Long> counts = o.snapshot();
    assertThat(counts).containsEntry("read 200", 2L).containsEntry("read io:ConnectException", 1L);
    assertThat(Outcomes.count(counts, "read")).isEqualTo(6);
    assertThat(Outcomes.count(counts, null)).isEqualTo(7);
    assertThat(Outcomes.errors(counts)).isEqualTo(3); // 503, 422, connect; not 404 or 304
    assertThat(Outcomes.notFound(counts)).isEqualTo(1);
    assertThat(Outcomes.transportErrors(counts)).isEqualTo(1);
    o.status("read", 200);
    assertThat(Outcomes.minus(o.snapshot(), counts)).containsExactly(Map.entry("read 200", 1L));
  }

  @Test
  void serviceSummaryDividesByReadsAndSeconds() {
    ServiceCounters c = new ServiceCounters(90, 10, 0, 0, 6, 4, 0, 0, 4, 6, true, true);
    LoadResult.Service s = LoadRun.service(new MetricsScraper.Delta(c, true, List.of()), 100, 2.0);
    assertThat(s.l1().hitRatio()).isEqualTo(0.9);
    assertThat(s.l2().hitRatio()).isEqualTo(0.6);
    assertThat(s.dbShareOfReads()).isEqualTo(0.04);
    assertThat(s.dbProductQueriesPerSecond()).isEqualTo(2.0);
    assertThat(s.dbQueriesPerSecond()).isEqualTo(3.0);
    LoadResult.Service none = LoadRun.service(new MetricsScraper.Delta(null, false, List.of("x: timed out")), 100, 2);
    assertThat(none.l1()).isNull();
    assertThat(none.dbShareOfReads()).isNull();
  }

  private static JsonNode result(double throughput, double p99, long dbProduct, long reads, double l1) {
    ObjectMapper m = new ObjectMapper();
    return m.valueToTree(Map.of("scenario", "steady", "startedAt", "t",
        "totals", Map.of("throughput", throughput, "okThroughput", throughput, "readThroughput", throughput,
            "requests", reads, "errors", 0, "dbShareOfReads", (double) dbProduct / reads),
        "latencyMs", Map.of("read", Map.of("p50Ms", p99 / 4, "p99Ms", p99)),
        "service", Map.of("dbProductQueriesPerSecond", dbProduct / 10.0, "l1", Map.of("hitRatio", l1))));
  }

  @Test
  void compareGivesRunOverBaselineRatios(@TempDir Path dir) throws Exception {
    JsonNode baseline = result(1000, 8, 5000, 10_000, 0.5);
    JsonNode run = result(4000, 2, 100, 40_000, 0.99);
    LoadReport.Comparison c = LoadReport.compare(baseline, run);

    assertThat(c.row("throughput req/s").ratio()).isEqualTo(4.0);
    assertThat(c.row("ok throughput req/s").ratio()).isEqualTo(4.0);
    assertThat(c.row("read p99 ms").ratio()).isEqualTo(0.25);
    // share of product reads that reached the DB: 0.5 -> 0.0025
    assertThat(c.row("db share of reads").baseline()).isEqualTo(0.5);
    assertThat(c.row("db share of reads").ratio()).isCloseTo(0.005, within(1e-12));
    assertThat(c.row("L1 hit ratio").ratio()).isCloseTo(1.98, within(1e-12));
    assertThat(c.row("error rate").ratio()).isNull(); // 0 / 0
    assertThat(c.rows()).noneMatch(r -> r.name().equals("edge hit ratio"));
    String text = LoadReport.text(c);
    assertThat(text).contains("throughput req/s").contains("4.000x").contains("0.250x");

    Path png = dir.resolve("c.png");
    LoadPlot.write(c, png);
    assertThat(Files.size(png)).isGreaterThan(1000);
  }

  @Test
  void coldStartFindsTheFirstAndTheSustainedTick() {
    LoadConfig cfg = Scenario.COLD_START.builder().duration(java.time.Duration.ofSeconds(10)).build();
    List<LoadResult.Bucket> timeline = List.of(bucket(-1, 0.99), bucket(1, 0.2), bucket(2, 0.91), bucket(3, 0.85),
        bucket(4, 0.95), bucket(5, 0.97));
    Map<String, Object> f = ScenarioFindings.of(context(cfg, timeline));
    assertThat(f).containsEntry("timeToTargetSeconds", 2.0).containsEntry("timeToSustainedTargetSeconds", 4.0)
        .containsEntry("hitRatioSource", "service");
  }

  private static LoadResult.Bucket bucket(double t, double hit) {
    return new LoadResult.Bucket(t, 1, "measure", 100, 0, 0, 0, 100, 1.0, 2.0, null, null, null, null,
        Math.round(100 * (1 - hit)), null, 100 * (1 - hit), hit);
  }

  private static ScenarioFindings.Context context(LoadConfig cfg, List<LoadResult.Bucket> timeline) {
    LoadResult.Totals totals = new LoadResult.Totals(500, 500, 0, 0, 0, 0, 0, 100, 100, 100, 0.1);
    LoadResult.Service service = new LoadResult.Service(null, null, 50L, 50L, 10.0, 10.0, 0.1, true, List.of());
    LoadResult.Phase phase = new LoadResult.Phase("measure", 0, 5, 500, 500, 0, 0, 0, 0, 100,
        LoadResult.Latency.NONE, LoadResult.Latency.NONE, new TreeMap<>(), 10, 0, service);
    return new ScenarioFindings.Context(cfg, 5, totals, service, List.of(phase), timeline, new DistinctIds(10), null,
        null, 0, 0, LoadResult.Latency.NONE);
  }

  @Test
  void stampedeDividesDbQueriesByTheExpiredKeysRead() {
    LoadConfig cfg = Scenario.STAMPEDE.builder().products(100).ttl(java.time.Duration.ofSeconds(2)).build();
    DistinctIds ids = new DistinctIds(200);
    for (long id = 1; id <= 25; id++) {
      ids.add(id);
    }
    LoadResult.Totals totals = new LoadResult.Totals(500, 500, 0, 0, 0, 0, 0, 100, 100, 100, 0.1);
    LoadResult.Service service = new LoadResult.Service(null, null, 50L, 50L, 10.0, 10.0, 0.1, true, List.of());
    LoadResult.Phase phase = new LoadResult.Phase("measure", 0, 3, 500, 500, 0, 0, 0, 0, 100,
        LoadResult.Latency.NONE, LoadResult.Latency.NONE, new TreeMap<>(), 25, 0, service);
    Map<String, Object> f = ScenarioFindings.of(new ScenarioFindings.Context(cfg, 3, totals, service, List.of(phase),
        List.of(bucket(1, 0.5), bucket(2, 0.9)), ids, null, null, 0, 0, LoadResult.Latency.NONE));
    assertThat(f).containsEntry("expiry", "ttl").containsEntry("expiredKeysRead", 25L)
        .containsEntry("dbQueriesPerExpiredKey", 2.0).containsEntry("peakDbProductQueriesPerSecond", 50.0)
        .containsEntry("windowCoversExpiry", true);
  }
}
