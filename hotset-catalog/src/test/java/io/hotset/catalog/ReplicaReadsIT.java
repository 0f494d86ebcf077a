package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.testkit.PostgresReplicaSet;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.WithPostgresReplicas;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code HOTSET_DB_REPLICA_URLS}: cache fills read a streaming replica, but never one that has not
 * replayed the change behind the key's last invalidation (design, "Read replicas"). The replica's
 * replay is paused before each change, so a fill that ignored the change's WAL position would
 * read the old row and cache it for the whole TTL (5 minutes here).
 */
@WithPostgresReplicas(replicas = 1)
class ReplicaReadsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPLICA_READS = "hotset_replica_reads_total{target=\"replica1\"}";
  private static final String PRIMARY_READS = "hotset_replica_reads_total{target=\"primary\"}";

  private final PostgresReplicaSet set;
  private final PostgresServer replica;

  ReplicaReadsIT(PostgresReplicaSet set) {
    this.set = set;
    this.replica = set.replica(0);
  }

  private static long price(Http http, long id) throws Exception {
    return JSON.readTree(http.get("/products/" + id).body()).get("priceCents").asLong();
  }

  @Test
  void fillsReadTheReplicaExceptWhereItLacksTheChangeBehindTheInvalidation() throws Exception {
    Path dir = TestDirs.create("catalog-replica-");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CatalogConfig config = CatalogConfig.builder().httpPort(0)
        .dbUrl(set.primaryJdbcUrl()).dbUser(set.user()).dbPassword(set.password())
        .replicaUrls(List.of(replica.jdbcUrl()))
        .seedProducts(20).productTtl(Duration.ofMinutes(5)).dataDir(dir).build();
    try (CatalogService service = CatalogService.builder(config).log(new PrintStream(log, true, StandardCharsets.UTF_8))
        .start()) {
      Http http = new Http(service.url());
      set.awaitCaughtUp(replica, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (http.metric("hotset_replica_in_rotation{replica=\"replica1\"}") != 1.0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(http.metric("hotset_replica_in_rotation{replica=\"replica1\"}")).as("replica in rotation").isEqualTo(1.0);

      double replicaReads = http.metric(REPLICA_READS);
      long before = price(http, 1);
      assertThat(http.metric(REPLICA_READS)).as("a first fill reads the replica").isGreaterThan(replicaReads);

      // A direct SQL update (change data capture invalidates with the commit's WAL position).
      set.pauseReplay(replica);
      try {
        long updated = before + 111;
        set.primary().psql("UPDATE products SET price_cents = " + updated + ", version = version + 1 WHERE product_id = 1");
        long start = System.nanoTime();
        long seen = before;
        while (seen != updated && System.nanoTime() - start < Duration.ofSeconds(1).toNanos()) {
          Thread.sleep(10);
          seen = price(http, 1);
        }
        assertThat(seen).as("the new price within 1 s, though the replica has not replayed it").isEqualTo(updated);
        assertThat(replica.psql("SELECT price_cents FROM product_view WHERE product_id = 1"))
            .as("the paused replica still has the old row").isEqualTo(Long.toString(before));

        // A write through the service: its invalidation carries the primary's position after the commit.
        long primaryReads = (long) http.metric(PRIMARY_READS);
        assertThat(http.put("/products/3", "{\"priceCents\":4321}").statusCode()).isEqualTo(200);
        assertThat(price(http, 3)).as("read-your-write through the cache while the replica lags").isEqualTo(4321);
        assertThat((long) http.metric(PRIMARY_READS)).as("that fill went to the primary").isGreaterThan(primaryReads);
      } finally {
        set.resumeReplay(replica);
      }
      set.awaitCaughtUp(replica, Duration.ofSeconds(30));
      assertThat(log.toString(StandardCharsets.UTF_8)).contains("reading cache fills from 1 replica(s)");
    } finally {
      TestDirs.delete(dir);
    }
  }

  /** A replica killed under load: fills whose replica connection dies run again elsewhere, none fails. */
  @Test
  void fillsSurviveTheReplicaDyingUnderThem() throws Exception {
    Path dir = TestDirs.create("catalog-replica-kill-");
    CatalogConfig config = CatalogConfig.builder().httpPort(0)
        .dbUrl(set.primaryJdbcUrl()).dbUser(set.user()).dbPassword(set.password())
        .replicaUrls(List.of(replica.jdbcUrl()))
        .seedProducts(20).productTtl(Duration.ofMinutes(5)).dataDir(dir).build();
    try (CatalogService service = CatalogService.builder(config).log(new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8)).start()) {
      Http http = new Http(service.url());
      set.awaitCaughtUp(replica, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (http.metric("hotset_replica_in_rotation{replica=\"replica1\"}") != 1.0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      double replicaReads = http.metric(REPLICA_READS);
      for (long id = 1; id <= 4; id++) {
        assertThat(http.get("/products/" + id).statusCode()).isEqualTo(200); // pooled replica connections now
      }
      assertThat(http.metric(REPLICA_READS)).as("fills read the replica").isGreaterThan(replicaReads);
      replica.kill();
      try {
        for (long id = 5; id <= 20; id++) {
          assertThat(http.get("/products/" + id).statusCode()).as("product %s with the replica dead", id).isEqualTo(200);
        }
      } finally {
        replica.start();
        set.awaitStreaming(replica, Duration.ofSeconds(30));
      }
    } finally {
      TestDirs.delete(dir);
    }
  }
}
