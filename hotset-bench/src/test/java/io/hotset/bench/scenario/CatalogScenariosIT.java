package io.hotset.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, acceptance 4-6, on a real fleet (PostgreSQL, Redis, two catalog JVMs from the built
 * jar) at CI scale; {@code scripts/catalog-scenarios.sh all} runs the full-size versions whose
 * figures the README reports.
 */
@Tag("integration")
@Tag("slow")
class CatalogScenariosIT {
  private static final Path JAR = Path.of("..", "hotset-catalog", "target", "hotset-catalog.jar");

  private static Path out() throws Exception {
    return Files.createDirectories(Path.of("target", "catalog-scenarios"));
  }

  @Test
  void stampedeCostsPostgresAtMostOneProductQueryPerExpiredKey() throws Exception {
    // 256 readers on 2 cores: more than the instances can serve at once, the case where an
    // unbounded request thread pool starved the Redis client and the fleet lost its single flight
    CatalogScenarios.Stampede s = CatalogScenarios.stampede(JAR, out(), 2000, Duration.ofSeconds(20), 256, System.out);
    assertThat(s.pgProductCalls()).as("pg_stat_statements available").isNotNegative();
    assertThat(s.expiredKeys()).isPositive();
    assertThat(s.pgCallsPerExpiredKey()).as("PostgreSQL product queries per expired key").isLessThanOrEqualTo(1.0);
    assertThat(s.result().totals().errors()).isZero();
  }

  @Test
  void aRedisOutageFailsNoProductRead() throws Exception {
    CatalogScenarios.Outage o = CatalogScenarios.redisOutage(JAR, out(), 2000, 16, System.out);
    assertThat(o.result().phases()).hasSize(3);
    assertThat(o.result().hooks()).allSatisfy(h -> assertThat(h.exitCode()).isZero());
    assertThat(o.failedByPhase()).as("failed requests before, during and after the outage")
        .containsOnlyKeys("before", "during", "after").allSatisfy((phase, failed) -> assertThat(failed).isZero());
    assertThat(o.result().totals().reads()).isPositive();
  }

  @Test
  void cachingKeepsProductReadsAwayFromPostgres() throws Exception {
    CatalogScenarios.Comparison c = CatalogScenarios.cacheVsNoCache(JAR, out(), 20_000, Duration.ofSeconds(20), 32,
        System.out);
    assertThat(c.dbShareOfReads()).as("share of product reads that reached PostgreSQL").isLessThanOrEqualTo(0.05);
    assertThat(c.cached().totals().errors()).isZero();
    assertThat(c.uncached().totals().errors()).isZero();
    assertThat(c.throughputRatio()).as("cached / uncached throughput, gzip clients (full-size figure in the README)")
        .isGreaterThan(2.0);
    assertThat(c.cachedIdentity().totals().errors()).isZero();
    assertThat(c.uncachedIdentity().totals().errors()).isZero();
    assertThat(c.identityThroughputRatio()).as("cached / uncached throughput, identity clients").isGreaterThan(2.0);
  }
}
