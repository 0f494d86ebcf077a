package io.hotset.bench.scenario;

import io.hotset.bench.load.Hook;
import io.hotset.bench.load.LoadConfig;
import io.hotset.bench.load.LoadHarness;
import io.hotset.bench.load.LoadReport;
import io.hotset.bench.load.LoadResult;
import io.hotset.bench.load.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Issue 6's load acceptance on a real fleet ({@link CatalogFleet}: PostgreSQL, Redis, two
 * catalog JVMs), each scenario one command:
 * <ul>
 *   <li>{@code cache-vs-nocache}: Zipf(0.99) over N products with L1+L2, then the same load with
 *       {@code HOTSET_CACHE=off}; throughput ratio and the share of product reads that reached
 *       PostgreSQL;</li>
 *   <li>{@code stampede}: every entry expires under load; product queries PostgreSQL executed
 *       ({@code pg_stat_statements}) per expired key;</li>
 *   <li>{@code redis-outage}: kill -9 of Redis mid-run, restart; failed reads per phase.</li>
 * </ul>
 */
@Command(name = "catalog-scenarios", mixinStandardHelpOptions = true,
    description = "Runs the catalog system (PostgreSQL, Redis, 2 service JVMs) under hotset-load scenarios.")
public final class CatalogScenarios implements Callable<Integer> {

  @Parameters(index = "0", description = "cache-vs-nocache | stampede | redis-outage | all")
  String which;

  @Option(names = "--jar", description = "the catalog service jar", defaultValue = "hotset-catalog/target/hotset-catalog.jar")
  Path jar;

  @Option(names = "--out-dir", defaultValue = "bench-results")
  Path outDir;

  @Option(names = "--products", defaultValue = "100000")
  int products;

  @Option(names = "--duration", defaultValue = "30s")
  String duration;

  @Option(names = "--concurrency", defaultValue = "32")
  int concurrency;

  @Option(names = "--stampede-ttl", defaultValue = "60s",
      description = "product TTL of the stampede run; the prewarm must take under 0.55 x TTL")
  String stampedeTtl;

  @Option(names = "--stampede-readers", defaultValue = "64",
      description = "readers of the stampede run (the prewarm reads with as many)")
  int stampedeReaders;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(outDir);
    PrintStream log = System.out;
    Duration d = io.hotset.bench.load.Durations.parse(duration);
    boolean ok = true;
    if (which.equals("cache-vs-nocache") || which.equals("all")) {
      ok &= cacheVsNoCache(jar, outDir, products, d, concurrency, log).passed();
    }
    if (which.equals("stampede") || which.equals("all")) {
      ok &= stampede(jar, outDir, Math.min(products, 10_000), io.hotset.bench.load.Durations.parse(stampedeTtl),
          stampedeReaders,
          log).passed();
    }
    if (which.equals("redis-outage") || which.equals("all")) {
      ok &= redisOutage(jar, outDir, Math.min(products, 10_000), concurrency, log).passed();
    }
    return ok ? 0 : 1;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new CatalogScenarios()).execute(args));
  }

  // ------------------------------------------------------------------------------------------

  /**
   * Acceptance 4's figures, for clients that accept gzip (the default of the load harness, as of
   * browsers, CDNs and Varnish's backend fetches) and, measured in the same run, for clients that
   * accept only identity bodies.
   */
  public record Comparison(LoadResult cached, LoadResult uncached, double throughputRatio, double dbShareOfReads,
      long pgProductCallsCached, long pgProductCallsUncached, LoadResult cachedIdentity,
      LoadResult uncachedIdentity, double identityThroughputRatio) {
    public boolean passed() {
      return Double.isFinite(throughputRatio) && throughputRatio >= 5.0 && dbShareOfReads <= 0.05
          && cached.totals().errors() == 0 && uncached.totals().errors() == 0;
    }
  }

  /** The instances' own counts of what the tiers did (loads, leases, tier errors, breaker), for diagnosis. */
  private static void printTierFigures(CatalogFleet fleet, PrintStream log) {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    for (CatalogFleet.Instance i : fleet.instances()) {
      try {
        String metrics = client.send(java.net.http.HttpRequest.newBuilder(i.url().resolve("/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        metrics.lines().filter(l -> !l.startsWith("#") && l.contains("region=\"product\"")
                && (l.startsWith("hotset_loads_total") || l.startsWith("hotset_coalesced_total")
                || l.startsWith("hotset_requests_total") || l.contains("shed") || l.contains("lease"))
                || l.startsWith("hotset_tier_errors_total") || l.startsWith("hotset_circuit"))
            .forEach(l -> log.println("  " + i.url().getPort() + " " + l));
      } catch (IOException | InterruptedException | RuntimeException e) {
        log.println("  " + i.url() + ": no /metrics (" + e + ")");
      }
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  public static Comparison cacheVsNoCache(Path jar, Path outDir, int products, Duration duration, int concurrency,
      PrintStream log) throws Exception {
    try (CatalogFleet fleet = CatalogFleet.start(jar, log)) {
      Map<String, String> cached = Map.of("HOTSET_PRODUCT_TTL", "30m");
      fleet.startInstances(2, products, cached);
      LoadConfig.Builder load = LoadConfig.builder().scenario("steady").keys(LoadConfig.KeyMode.ZIPF).alpha(0.99)
          .products(products).writeRatio(0.0).concurrency(concurrency).duration(duration)
          .warmup(max(Duration.ofSeconds(10), duration)).seed(7).target(fleet.targets());
      // Warm-up as long as the measurement, for both fleets: after the prewarm each instance's L1
      // holds only the half of the catalog it served, and fills with the rest of its hot set in
      // the first tens of seconds under load (L1 hit ratio 0.92 -> 0.98 over a 30 s run after a
      // 10 s warm-up, throughput rising with it); a steady-state figure starts after that, and the
      // cold-start scenario is where the transient itself is measured.
      // Steady state: every product read once (L2 holds the catalog, as in production) before warm-up.
      // Not once per instance (--prewarm-each-target): tried, the measured throughput was no higher
      // (34,262 vs 36,325 req/s), and 5 of its 200,000 prewarm reads timed out with 2,829 extra
      // product queries; the likely cause (not verified) is full collections in the fleet's 1 GB
      // heaps once every L1 holds all 100,000 products, outliving load leases.
      fleet.resetQueryStats();
      LoadResult on = LoadHarness.run(load.prewarmKeys(products).acceptEncoding("gzip")
          .out(outDir.resolve("catalog-cached.json")).plot(outDir.resolve("catalog-cached.png")).build(), log);
      long pgCached = fleet.productQueryCalls();
      // Same fleet, same warm caches, clients that take identity bodies only.
      LoadResult onIdentity = LoadHarness.run(load.prewarmKeys(0).acceptEncoding("none")
          .out(outDir.resolve("catalog-cached-identity.json")).plot(outDir.resolve("catalog-cached-identity.png"))
          .build(), log);
      fleet.stopInstances();
      fleet.startInstances(2, products, Map.of("HOTSET_CACHE", "off"));
      load.target(fleet.targets()); // new ports
      fleet.resetQueryStats();
      // The same prewarm as the cached fleet's: each product read once warms this fleet's JIT and
      // PostgreSQL's buffers as much, so neither run measures a colder system.
      LoadResult off = LoadHarness.run(load.prewarmKeys(products).acceptEncoding("gzip")
          .out(outDir.resolve("catalog-nocache.json")).plot(outDir.resolve("catalog-nocache.png")).build(), log);
      long pgUncached = fleet.productQueryCalls();
      LoadResult offIdentity = LoadHarness.run(load.prewarmKeys(0).acceptEncoding("none")
          .out(outDir.resolve("catalog-nocache-identity.json")).plot(outDir.resolve("catalog-nocache-identity.png"))
          .build(), log);
      LoadReport.Comparison cmp = LoadHarness.compare(outDir.resolve("catalog-nocache.json"),
          outDir.resolve("catalog-cached.json"), outDir.resolve("catalog-cache-vs-nocache.png"), log);
      LoadHarness.compare(outDir.resolve("catalog-nocache-identity.json"),
          outDir.resolve("catalog-cached-identity.json"), outDir.resolve("catalog-cache-vs-nocache-identity.png"), log);
      double ratio = on.totals().okThroughput() / off.totals().okThroughput();
      double identityRatio = onIdentity.totals().okThroughput() / offIdentity.totals().okThroughput();
      double share = on.totals().dbShareOfReads() == null ? 1.0 : on.totals().dbShareOfReads();
      Comparison c = new Comparison(on, off, ratio, share, pgCached, pgUncached, onIdentity, offIdentity,
          identityRatio);
      log.printf(Locale.ROOT, "cache-vs-nocache: %d products, Zipf(0.99), 2 instances, c=%d, %s, gzip clients: cached "
              + "%.0f req/s (read p50 %.2f ms, p99 %.2f ms), no cache %.0f req/s (p50 %.2f ms, p99 %.2f ms): %.2fx; "
              + "identity clients: %.0f vs %.0f req/s: %.2fx; product reads that reached PostgreSQL %.2f%% (our "
              + "counter), pg_stat_statements product calls %d vs %d; errors %d/%d/%d/%d -> %s%n", products,
          concurrency, duration, on.totals().okThroughput(), on.latencyMs().get("read").p50Ms(),
          on.latencyMs().get("read").p99Ms(), off.totals().okThroughput(), off.latencyMs().get("read").p50Ms(),
          off.latencyMs().get("read").p99Ms(), ratio, onIdentity.totals().okThroughput(),
          offIdentity.totals().okThroughput(), identityRatio, share * 100, pgCached, pgUncached,
          on.totals().errors(), off.totals().errors(), onIdentity.totals().errors(), offIdentity.totals().errors(),
          c.passed() ? "PASS" : "FAIL");
      if (cmp == null) {
        log.println("(no comparison written)");
      }
      return c;
    }
  }

  /** Acceptance 5's figures. */
  public record Stampede(LoadResult result, long expiredKeys, long pgProductCalls, double pgCallsPerExpiredKey) {
    public boolean passed() {
      return pgProductCalls >= 0 && pgCallsPerExpiredKey <= 1.0 && result.totals().errors() == 0;
    }
  }

  public static Stampede stampede(Path jar, Path outDir, int products, Duration ttl, int concurrency, PrintStream log)
      throws Exception {
    try (CatalogFleet fleet = CatalogFleet.start(jar, log)) {
      fleet.startInstances(Integer.getInteger("hotset.fleet", 2), products, Map.of("HOTSET_PRODUCT_TTL", CatalogFleet.seconds(ttl)));
      // The harness prewarms every id on every instance (each L1 holds every key, as in a steady
      // state where every instance serves every hot key; otherwise an instance's first read of a
      // key the other prewarmed is a cold miss inside the window, which is no expiry but would be
      // counted as one if L2 failed it), then measures 1.25 x TTL: every entry prewarmed before the
      // window expires in it (by 1.1 x TTL, jitter included) and none twice (a reload at the
      // earliest first expiry, 0.9 x TTL after the prewarm began, lives 0.9 x TTL more), as long
      // as the prewarm took under 0.55 x TTL. The hook at 0 s zeroes pg_stat_statements as the
      // window opens.
      LoadConfig withReset = Scenario.STAMPEDE.builder().target(fleet.targets()).products(products)
          .keys(LoadConfig.KeyMode.UNIFORM).concurrency(concurrency).ttl(ttl).prewarmKeys(products)
          .prewarmEachTarget(true)
          .duration(ttl.multipliedBy(5).dividedBy(4))
          .hook(Hook.parse("0s=" + psqlReset(fleet)))
          .out(outDir.resolve("catalog-stampede.json")).plot(outDir.resolve("catalog-stampede.png")).build();
      LoadResult r = LoadHarness.run(withReset, log);
      long calls = fleet.productQueryCalls();
      printTierFigures(fleet, log);
      if (r.prewarm() != null && r.prewarm().seconds() > 0.55 * ttl.toSeconds()) {
        log.printf(Locale.ROOT, "stampede: WARNING: the prewarm took %.1f s, over 0.55 x TTL: some keys may expire twice"
            + " in the window%n", r.prewarm().seconds());
      }
      Object distinct = r.findings().get("expiredKeysRead");
      long expired = distinct instanceof Number n ? n.longValue() : products;
      double perKey = expired == 0 ? 0 : (double) calls / expired;
      Stampede s = new Stampede(r, expired, calls, perKey);
      log.printf(Locale.ROOT, "stampede: %d products expiring under %d readers on 2 instances (TTL %s): PostgreSQL "
              + "executed %d product queries for %d expired keys = %.3f per key (our counter: %s); errors %d -> %s%n",
          products, concurrency, ttl, calls, expired, perKey, r.findings().get("dbQueriesPerExpiredKey"),
          r.totals().errors(), s.passed() ? "PASS" : "FAIL");
      return s;
    }
  }

  private static String psqlReset(CatalogFleet fleet) {
    Path psql = fleet.postgres().binDir().resolve("psql");
    return "PGPASSWORD=" + fleet.postgres().password() + " " + psql + " -q -h 127.0.0.1 -p " + fleet.postgres().port() + " -U " + fleet.postgres().user() + " -d "
        + fleet.postgres().database() + " -c 'SELECT pg_stat_statements_reset()' >/dev/null";
  }

  /** Acceptance 6's figures. */
  public record Outage(LoadResult result, long failedReads, Map<String, Long> failedByPhase) {
    public boolean passed() {
      return failedReads == 0;
    }
  }

  public static Outage redisOutage(Path jar, Path outDir, int products, int concurrency, PrintStream log)
      throws Exception {
    try (CatalogFleet fleet = CatalogFleet.start(jar, log)) {
      fleet.startInstances(2, products, Map.of("HOTSET_PRODUCT_TTL", "20s"));
      Path marker = Files.createTempFile("hotset-redis-restart", ".marker");
      Files.delete(marker);
      Thread restarter = new Thread(() -> {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!Files.exists(marker) && System.nanoTime() < deadline) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
        if (Files.exists(marker)) {
          log.println("redis-outage: restarting Redis");
          fleet.redis().restart();
        }
      }, "redis-restarter");
      restarter.setDaemon(true);
      restarter.start();
      LoadConfig cfg = Scenario.REDIS_OUTAGE.builder().target(fleet.targets()).products(products)
          .concurrency(concurrency).duration(Duration.ofSeconds(45)).warmup(Duration.ofSeconds(5)).writeRatio(0.01)
          .hooks(List.of(Hook.parse("10s=kill -9 " + fleet.redis().pid()), Hook.parse("25s=touch " + marker)))
          .out(outDir.resolve("catalog-redis-outage.json")).plot(outDir.resolve("catalog-redis-outage.png")).build();
      LoadResult r = LoadHarness.run(cfg, log);
      restarter.join(10_000);
      Files.deleteIfExists(marker);
      Map<String, Long> byPhase = new java.util.LinkedHashMap<>();
      for (LoadResult.Phase p : r.phases()) {
        byPhase.put(p.name(), p.errors());
      }
      Outage o = new Outage(r, r.totals().errors(), byPhase);
      log.printf(Locale.ROOT, "redis-outage: %d reads, %d writes across kill -9 of Redis at 10 s and its restart at "
              + "25 s; failed requests by phase %s -> %s%n", r.totals().reads(), r.totals().writes(), byPhase,
          o.passed() ? "PASS" : "FAIL");
      return o;
    }
  }
}
