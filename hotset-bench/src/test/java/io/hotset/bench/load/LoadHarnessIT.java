package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the harness against {@link CatalogStub} (through its Java API and as the shaded jar in a
 * child process) and checks that what it reports is what the stub counted.
 *
 * <p>Tagged so that Surefire leaves it to Failsafe even when {@code -Dtest} (which overrides
 * Surefire's includes and excludes) matches it: it needs the jar of the package phase.
 */
@Tag("integration")
class LoadHarnessIT {
  private static final Path JAR = Path.of("target", "hotset-load.jar");

  private static PrintStream log(ByteArrayOutputStream sink) {
    return new PrintStream(sink, true, StandardCharsets.UTF_8);
  }

  @Test
  void javaApiReportsWhatTheStubCounted(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("hook-ran");
    try (CatalogStub stub = new CatalogStub(500)) {
      LoadConfig cfg = LoadConfig.builder().target(stub.url()).products(500).writeRatio(0.05).concurrency(4)
          .duration(Duration.ofSeconds(3)).warmup(Duration.ZERO).seed(42)
          .hook(new Hook(Duration.ofSeconds(1), "echo ran > '" + marker + "'"))
          .out(dir.resolve("run.json")).build();
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      LoadResult r = LoadHarness.run(cfg, log(sink));

      LoadResult.Totals t = r.totals();
      assertThat(t.reads()).isEqualTo(stub.gets.get()).isGreaterThan(100);
      assertThat(t.writes()).isEqualTo(stub.puts.get()).isPositive();
      assertThat(t.requests()).isEqualTo(t.reads() + t.writes());
      assertThat(t.errors()).isZero();
      assertThat(r.outcomes()).containsEntry("read 200", stub.gets.get());
      assertThat(r.latencyMs().get("read").count()).isEqualTo(t.reads());
      assertThat(r.seconds()).isBetween(2.9, 4.5);
      assertThat(t.throughput()).isCloseTo(t.requests() / r.seconds(), within(1e-6));
      assertThat(t.okThroughput()).isEqualTo(t.throughput());

      LoadResult.Service s = r.service();
      assertThat(s.complete()).isTrue();
      assertThat(s.dbProductQueries()).isEqualTo(stub.dbProduct.get());
      assertThat(s.dbQueries()).isEqualTo(stub.dbProduct.get() + stub.dbUpdate.get());
      assertThat(s.l1().hit()).isEqualTo(stub.l1Hit.get());
      assertThat(s.l1().miss()).isEqualTo(stub.l1Miss.get());
      assertThat(s.l1().hitRatio()).isCloseTo((double) stub.l1Hit.get() / stub.gets.get(), within(1e-12));
      assertThat(s.l2().hitRatio()).isEqualTo(0.0);
      assertThat(t.dbShareOfReads()).isCloseTo((double) stub.dbProduct.get() / stub.gets.get(), within(1e-12));
      assertThat(r.edge().hit()).isEqualTo(stub.edgeHits.get());
      assertThat(r.edge().hitRatio()).isCloseTo((double) stub.edgeHits.get() / stub.gets.get(), within(1e-12));

      // the hook ran at its time and split the run into two phases that add up
      assertThat(marker).hasContent("ran");
      assertThat(r.hooks()).singleElement().satisfies(h -> {
        assertThat(h.exitCode()).isZero();
        assertThat(h.startedSeconds()).isBetween(0.95, 1.6);
      });
      assertThat(r.phases()).extracting(LoadResult.Phase::name).containsExactly("before", "after");
      assertThat(r.phases().get(1).startSeconds()).isBetween(0.95, 1.6);
      assertThat(r.phases().stream().mapToLong(LoadResult.Phase::reads).sum()).isEqualTo(t.reads());
      assertThat(r.phases().stream().mapToLong(p -> p.service().dbProductQueries()).sum())
          .isEqualTo(stub.dbProduct.get());
      assertThat(r.timeline().size()).isBetween(3, 6);
      assertThat(r.timeline().stream().mapToLong(LoadResult.Bucket::reads).sum()).isEqualTo(t.reads());
      assertThat(r.timeline().stream().mapToLong(LoadResult.Bucket::dbProductQueries).sum())
          .isEqualTo(stub.dbProduct.get());

      JsonNode json = LoadHarness.read(dir.resolve("run.json"));
      assertThat(json.path("schema").asText()).isEqualTo(LoadResult.SCHEMA);
      assertThat(json.path("totals").path("reads").asLong()).isEqualTo(stub.gets.get());
      assertThat(json.path("service").path("dbProductQueries").asLong()).isEqualTo(stub.dbProduct.get());
      assertThat(json.path("timeline").size()).isEqualTo(r.timeline().size());
      assertThat(json.path("config").has("adminToken")).isFalse();
      assertPng(dir.resolve("run.png"));
      String out = sink.toString(StandardCharsets.UTF_8);
      assertThat(out).contains("req/s").contains("read p99").contains("hook: echo ran").contains("L1 ");
    }
  }

  @Test
  void maxRequestsBoundsTheRunAndCompareReadsTheBaseline(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      LoadConfig.Builder b = LoadConfig.builder().target(stub.url() + "," + stub.url()).products(100).concurrency(3)
          .duration(Duration.ofSeconds(20)).warmup(Duration.ZERO).maxRequests(500);
      LoadResult first = LoadHarness.run(b.out(dir.resolve("a.json")).build(), log(new ByteArrayOutputStream()));
      assertThat(first.totals().requests()).isEqualTo(500);
      assertThat(stub.gets.get() + stub.puts.get()).isEqualTo(500);
      assertThat(first.seconds()).isLessThan(15);

      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      LoadHarness.run(b.out(dir.resolve("b.json")).compare(dir.resolve("a.json")).build(), log(sink));
      assertThat(sink.toString(StandardCharsets.UTF_8)).contains("compare: run").contains("throughput req/s");
      assertPng(dir.resolve("b-compare.png"));
    }
  }

  @Test
  void aStalledAnswerFailsAsATimeoutAndTheAcceptEncodingIsSent(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      LoadConfig.Builder b = LoadConfig.builder().target(stub.url()).products(100).concurrency(2)
          .warmup(Duration.ZERO).writeRatio(0).scrapeMetrics(false).plot(Path.of("none"));
      LoadResult fine = LoadHarness.run(b.duration(Duration.ofMillis(500)).out(dir.resolve("a.json")).build(),
          log(new ByteArrayOutputStream()));
      assertThat(fine.totals().errors()).isZero();
      assertThat(stub.acceptEncodings).containsOnlyKeys("gzip"); // the default, as browsers and CDNs send
      stub.acceptEncodings.clear();
      LoadHarness.run(b.acceptEncoding("none").out(dir.resolve("b.json")).build(), log(new ByteArrayOutputStream()));
      assertThat(stub.acceptEncodings).containsOnlyKeys("");

      // an answer that takes longer than --timeout fails the exchange as a timeout, and the run still ends on time
      stub.productDelayMillis = 3_000;
      long t0 = System.nanoTime();
      LoadResult stalled = LoadHarness.run(b.duration(Duration.ofMillis(1500)).requestTimeout(Duration.ofMillis(300))
          .errorBackoff(Duration.ofMillis(50)).out(dir.resolve("c.json")).build(), log(new ByteArrayOutputStream()));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(stalled.outcomes()).containsKey("read io:SocketTimeoutException");
      assertThat(stalled.outcomes().get("read io:SocketTimeoutException")).isGreaterThanOrEqualTo(2);
      assertThat(stalled.outcomes()).doesNotContainKey("read 200");
      assertThat(seconds).as("the run ends though every answer stalls 3 s").isLessThan(2.9);
    }
  }

  @Test
  void hooksStartOnTimeWhileAScrapeOfTheServiceHangs(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      stub.metricsDelayMillis = 1500; // every scrape times out after 1 s: the conductor is stuck in it
      LoadConfig cfg = LoadConfig.builder().target(stub.url()).products(100).concurrency(2).warmup(Duration.ZERO)
          .duration(Duration.ofSeconds(3)).scrapeTimeout(Duration.ofSeconds(1))
          .hook(new Hook(Duration.ofMillis(1200), "true")).hook(new Hook(Duration.ofMillis(1700), "true"))
          .out(dir.resolve("hang.json")).plot(Path.of("none")).build();
      LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
      assertThat(r.hooks()).hasSize(2);
      assertThat(r.hooks().get(0).startedSeconds()).isBetween(1.2, 1.5);
      assertThat(r.hooks().get(1).startedSeconds()).isBetween(1.7, 2.0);
      // the conductor no longer waits for scrapes, so the phases are cut at the hooks too
      assertThat(r.phases()).hasSize(3);
      assertThat(r.phases().get(1).startSeconds()).isBetween(1.2, 1.3);
      assertThat(r.phases().get(2).startSeconds()).isBetween(1.7, 1.8);
      assertThat(r.timeline().size()).isBetween(4, 7);
      assertThat(r.service().dbProductQueries()).isNull();
      assertThat(r.service().scrapeErrors()).anyMatch(e -> e.contains("HttpTimeoutException"));
      assertThat(r.totals().errors()).isZero();
      assertThat(dir.resolve("hang.png")).doesNotExist();
    }
  }

  @Test
  void connectionRefusedCountsAsErrorsAndDoesNotCrash(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    LoadConfig cfg = LoadConfig.builder().target("http://127.0.0.1:" + port).products(10).concurrency(2)
        .duration(Duration.ofMillis(1500)).warmup(Duration.ZERO).out(dir.resolve("down.json")).build();
    LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
    assertThat(r.totals().errors()).isPositive().isEqualTo(r.totals().transportErrors())
        .isEqualTo(r.totals().requests());
    assertThat(r.outcomes()).containsKey("read io:ConnectException");
    assertThat(r.totals().okThroughput()).isZero();
    assertThat(r.service().dbProductQueries()).isNull();
    assertThat(r.service().scrapeErrors()).isNotEmpty();
    assertPng(dir.resolve("down.png"));
  }

  @Test
  void prewarmEachTargetReadsEveryIdOnEveryInstance(@TempDir Path dir) throws Exception {
    try (CatalogStub a = new CatalogStub(150); CatalogStub b = new CatalogStub(150)) {
      LoadConfig cfg = LoadConfig.builder().scenario("steady").target(a.url() + "," + b.url()).products(150)
          .concurrency(3).keys(LoadConfig.KeyMode.UNIFORM).writeRatio(0).prewarmKeys(150).prewarmEachTarget(true)
          .duration(Duration.ofMillis(300)).warmup(Duration.ZERO).out(dir.resolve("each.json")).build();
      LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
      assertThat(r.prewarm().requests()).isEqualTo(300);
      assertThat(r.prewarm().complete()).isTrue();
      // each stub loaded every id exactly once: in the prewarm, since the run only reads cached ids
      assertThat(a.dbProduct.get()).isEqualTo(150);
      assertThat(b.dbProduct.get()).isEqualTo(150);
    }
  }

  @Test
  void stampedeByInvalidationCountsOneDbQueryPerExpiredKey(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(200)) {
      LoadConfig cfg = Scenario.STAMPEDE.builder().target(stub.url()).products(200).concurrency(4)
          .keys(LoadConfig.KeyMode.UNIFORM).invalidateAt(Duration.ofSeconds(1)).duration(Duration.ofMillis(2500))
          .adminToken(CatalogStub.TOKEN).out(dir.resolve("stampede.json")).build();
      LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
      assertThat(r.prewarm().requests()).isEqualTo(200);
      assertThat(r.phases()).extracting(LoadResult.Phase::name)
          .containsExactly("before-invalidate", "after-invalidate");
      assertThat(r.phases().get(0).service().dbProductQueries()).isZero(); // all warm
      assertThat(stub.invalidatedTags.get()).isEqualTo(200);
      assertThat(r.hooks()).singleElement().satisfies(h -> assertThat(h.exitCode()).isZero());
      assertThat(r.findings()).containsEntry("expiry", "invalidate").containsEntry("expiredKeysRead", 200L);
      // the stub loads each key once per invalidation; a key read only before its batch was
      // invalidated counts as read without a load, so the figure may dip just below 1
      assertThat((Double) r.findings().get("dbQueriesPerExpiredKey")).isBetween(0.9, 1.0);
    }
  }

  @Test
  void stampedeByTtlCountsOneDbQueryPerExpiredKey(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      stub.ttlMillis = 1000;
      LoadConfig cfg = Scenario.STAMPEDE.builder().target(stub.url()).products(100).concurrency(4)
          .keys(LoadConfig.KeyMode.UNIFORM).ttl(Duration.ofSeconds(1)).out(dir.resolve("ttl.json")).build();
      assertThat(cfg.duration()).as("1.25 x TTL: every prewarmed entry expires once, none twice")
          .isEqualTo(Duration.ofMillis(1250));
      LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
      assertThat(r.prewarm().requests()).isEqualTo(100);
      assertThat(r.findings()).containsEntry("expiry", "ttl").containsEntry("windowCoversExpiry", true)
          .containsEntry("expiredKeysRead", 100L).containsEntry("dbProductQueries", 100L)
          .containsEntry("dbQueriesPerExpiredKey", 1.0);
      assertThat((Double) r.findings().get("peakDbProductQueriesPerSecond")).isGreaterThanOrEqualTo(50.0);
    }
  }

  @Test
  void prewarmTriesShedReadsAgainSoEveryIdIsWarmBeforeTheWindow(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      stub.ttlMillis = 1000;
      stub.shedLoads.set(12); // the service's bulkhead sheds the first 12 loads of the prewarm
      LoadConfig cfg = Scenario.STAMPEDE.builder().target(stub.url()).products(100).concurrency(4)
          .keys(LoadConfig.KeyMode.UNIFORM).ttl(Duration.ofSeconds(1)).out(dir.resolve("shed.json")).build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LoadResult r = LoadHarness.run(cfg, log(out));
      assertThat(stub.shed.get()).isEqualTo(12);
      assertThat(r.prewarm().requests()).isEqualTo(112);
      assertThat(r.prewarm().outcomes()).containsEntry("read 503", 12L).containsEntry("read 200", 100L);
      assertThat(r.prewarm().retried()).isEqualTo(12);
      assertThat(r.prewarm().notWarmed()).isZero();
      assertThat(r.prewarm().complete()).isTrue();
      // without the retries the 12 shed ids would be loaded in the window twice: cold, then expired
      assertThat(r.findings()).containsEntry("expiredKeysRead", 100L).containsEntry("dbProductQueries", 100L)
          .containsEntry("dbQueriesPerExpiredKey", 1.0);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("12 tried again, 0 not warmed");
    }
  }

  @Test
  void prewarmGivesUpOnAnIdAfterItsLastAttemptAndSaysSo(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(20)) {
      stub.alwaysShed.add(7L);
      LoadConfig cfg = LoadConfig.builder().scenario("steady").target(stub.url()).products(20).concurrency(1)
          .keys(LoadConfig.KeyMode.UNIFORM).writeRatio(0).prewarmKeys(20).duration(Duration.ofMillis(200))
          .warmup(Duration.ZERO).out(dir.resolve("giveup.json")).build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LoadResult r = LoadHarness.run(cfg, log(out));
      // the prewarm asked for id 7 five times; the measured run that follows reads it too
      assertThat(r.prewarm().outcomes()).containsEntry("read 503", (long) LoadRun.PREWARM_ATTEMPTS)
          .containsEntry("read 200", 19L);
      assertThat(r.prewarm().notWarmed()).isEqualTo(1);
      assertThat(r.prewarm().retried()).isEqualTo(LoadRun.PREWARM_ATTEMPTS - 1);
      assertThat(r.prewarm().complete()).isFalse();
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 of 20 reads never succeeded");
    }
  }

  @Test
  void coldStartAndHotKeyReportTheirFindings(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(100)) {
      LoadResult cold = LoadHarness.run(Scenario.COLD_START.builder().target(stub.url()).products(100)
          .concurrency(4).writeRatio(0).duration(Duration.ofSeconds(2)).out(dir.resolve("cold.json")).build(),
          log(new ByteArrayOutputStream()));
      // 100 loads in the first second against thousands of reads: the first tick is already >= 90%
      assertThat(cold.findings()).containsEntry("hitRatioSource", "service")
          .containsEntry("targetHitRatio", 0.9);
      assertThat((Double) cold.findings().get("timeToTargetSeconds")).isBetween(0.9, 1.2);
      assertThat(cold.timeline().get(0).cacheHitRatio())
          .isCloseTo(1 - (double) stub.dbProduct.get() / cold.timeline().get(0).reads(), within(1e-9));

      LoadResult hot = LoadHarness.run(Scenario.HOT_KEY.builder().target(stub.url()).products(100).hotId(7)
          .hotShare(0.5).keys(LoadConfig.KeyMode.UNIFORM).concurrency(4).warmup(Duration.ZERO)
          .duration(Duration.ofSeconds(2)).out(dir.resolve("hot.json")).build(), log(new ByteArrayOutputStream()));
      assertThat(hot.findings()).containsEntry("hotId", 7L);
      // half the reads, plus 1/100 of the other half: 0.505
      assertThat((Double) hot.findings().get("hotShareObserved")).isBetween(0.475, 0.535);
    }
  }

  @Test
  void purgeStormPostsInvalidationsAtItsRate(@TempDir Path dir) throws Exception {
    try (CatalogStub stub = new CatalogStub(1000)) {
      LoadConfig cfg = Scenario.PURGE_STORM.builder().target(stub.url()).products(1000).concurrency(2)
          .duration(Duration.ofSeconds(2)).warmup(Duration.ZERO).purgeRate(10).purgeBatch(5)
          .adminToken(CatalogStub.TOKEN).out(dir.resolve("purge.json")).build();
      LoadResult r = LoadHarness.run(cfg, log(new ByteArrayOutputStream()));
      assertThat(stub.adminRejected.get()).isZero();
      assertThat(r.totals().admin()).isEqualTo(stub.admin.get()).isBetween(10L, 22L);
      assertThat(stub.invalidatedTags.get()).isEqualTo(5 * stub.admin.get());
      assertThat(r.findings()).containsEntry("purgeErrors", 0L).containsEntry("purgedIds", 5 * stub.admin.get());
      assertThat(r.latencyMs()).containsKey("admin");
    }
  }

  @Test
  void shadedJarRunsAScenarioInAChildProcess(@TempDir Path dir) throws Exception {
    assertThat(JAR).as("built by the package phase before the ITs").exists();
    try (CatalogStub stub = new CatalogStub(100)) {
      Path json = dir.resolve("p.json");
      Path marker = dir.resolve("jar-hook");
      Child c = java("scenario", "penetration", "--target", stub.url(), "--products", "100", "--missing-space", "50",
          "--duration", "2s", "--concurrency", "2", "--seed", "3", "--out", json.toString(),
          "--at", "1s=touch '" + marker + "'");
      assertThat(c.code).as(c.out + c.err).isZero();
      assertThat(c.out).contains("findings").contains("dbQueriesPerMissingId");
      assertThat(marker).exists();

      JsonNode r = LoadHarness.read(json);
      JsonNode f = r.path("findings");
      assertThat(r.path("totals").path("reads").asLong()).isEqualTo(stub.gets.get());
      assertThat(r.path("totals").path("notFound").asLong()).isEqualTo(stub.gets.get());
      assertThat(r.path("totals").path("errors").asLong()).isZero();
      assertThat(f.path("distinctMissingIds").asLong()).isEqualTo(stub.dbProduct.get()).isBetween(40L, 50L);
      assertThat(f.path("dbQueriesPerMissingId").asDouble()).isEqualTo(1.0);
      assertThat(r.path("service").path("l1").path("negative").asLong()).isEqualTo(stub.l1Negative.get());
      assertThat(r.path("hooks").get(0).path("startedSeconds").asDouble()).isBetween(0.95, 1.6);
      assertPng(dir.resolve("p.png"));
    }
  }

  @Test
  void shadedJarRejectsBadInputWithExitCode2() throws Exception {
    Child c = java("run", "--concurrency", "-1");
    assertThat(c.code).isEqualTo(2);
    assertThat(c.err).contains("--concurrency must be in [1, 4096], was -1").contains("Usage:");
    Child help = java("--help");
    assertThat(help.code).isZero();
    assertThat(help.out).contains("scenario").contains("compare");
  }

  private record Child(int code, String out, String err) {}

  private static Child java(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("hotset-load", ".out");
    Path err = Files.createTempFile("hotset-load", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("hotset-load.jar did not finish in 60 s: " + Files.readString(out));
      }
      return new Child(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static void assertPng(Path png) throws IOException {
    assertThat(png).exists();
    byte[] head = Files.readAllBytes(png);
    assertThat(head.length).isGreaterThan(1000);
    assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
  }
}
