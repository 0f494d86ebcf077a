package io.hotset.postgres.replica;

import static io.hotset.postgres.replica.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Loader;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.postgres.ChangeCapture;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.postgres.TableMapping;
import io.hotset.testkit.PostgresReplicaSet;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.WithPostgresReplicas;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Design, "Read replicas": a cache fill after an invalidation must read a source at least as new
 * as the change behind it, or a lagging replica puts the old value straight back into the cache.
 * Change capture passes each change's commit end LSN with its invalidation; the region hands it to
 * the next fill, which routes with {@code ReadConsistency.forFill}. The replica's replay is
 * paused (it stays in rotation: max lag one hour), so every fill that may read it does.
 *
 * <p>Two regions fill from the same table through the same router and are invalidated by the same
 * change: {@code plain} ignores positions (the hazard: it caches the old price again), {@code
 * product} is positioned (it caches the new one, read from the primary).
 */
@WithPostgresReplicas(replicas = 1)
class CacheFillAfterChangeIT {
  private final PostgresReplicaSet set;
  private final PostgresServer replica;

  CacheFillAfterChangeIT(PostgresReplicaSet set) {
    this.set = set;
    this.replica = set.replica(0);
  }

  /** "price@node": the price and the node that served it (asked of the server, not the router). */
  private static String price(ReplicaRouter router, PostgresReplicaSet set, ReadConsistency rc, long id)
      throws SQLException {
    return router.read(rc, c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT price_cents FROM fill_products WHERE product_id = ?")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getInt(1) + "@" + Harness.nodeOf(set, c) : null;
        }
      }
    });
  }

  @Test
  void aFillAfterAChangeNeverReadsAReplicaThatHasNotReplayedIt() throws Exception {
    set.primary().psql("DROP TABLE IF EXISTS fill_products; CREATE TABLE fill_products (product_id bigint PRIMARY KEY,"
        + " price_cents int NOT NULL); INSERT INTO fill_products SELECT g, 1000 FROM generate_series(1, 10) g");
    ChangeCapture.dropSlot(set.primaryJdbcUrl(), set.user(), set.password(), "hotset_fill", "hotset_fill");
    Harness.awaitCaughtUp(set);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ReplicaRouter router = Harness.router(set, registry).maxLag(Duration.ofHours(1))
            .lagCheckInterval(Duration.ofMillis(100)).build();
        Hotset hotset = Hotset.builder().meterRegistry(registry).build()) {
      Harness.awaitRoute(router, "r1", Duration.ofSeconds(10));
      Region<Long, String> product = hotset.region(RegionSpec.builder("product", Long.class, String.class)
          .ttl(Duration.ofMinutes(10))
          .loader(Loader.positioned((Long id, long min) -> price(router, set, ReadConsistency.forFill(min), id)))
          .build());
      Region<Long, String> plain = hotset.region(RegionSpec.builder("plain", Long.class, String.class)
          .ttl(Duration.ofMinutes(10))
          .loader(id -> price(router, set, ReadConsistency.any(), id))
          .build());
      try (ChangeCapture cdc = ChangeCapture.builder().jdbcUrl(set.primaryJdbcUrl()).user(set.user())
          .password(set.password()).hotset(hotset).meterRegistry(registry)
          .slotName("hotset_fill").publication("hotset_fill")
          .table(TableMapping.table("fill_products").key("product", "{product_id}").key("plain", "{product_id}")
              .build())
          .leaderPollInterval(Duration.ofMillis(100)).start()) {
        await("change capture to lead", Duration.ofSeconds(15), cdc::isLeader, () -> "not leader");
        assertThat(product.get(1L)).isEqualTo("1000@r1");
        assertThat(plain.get(1L)).isEqualTo("1000@r1");

        set.pauseReplay(replica);
        try (Connection c = router.primaryConnection();
            PreparedStatement ps = c.prepareStatement("UPDATE fill_products SET price_cents = 2000 WHERE product_id = 1")) {
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        await("change capture to invalidate product 1 in both regions", Duration.ofSeconds(10),
            () -> product.getIfPresent(1L) == null && plain.getIfPresent(1L) == null,
            () -> product.getIfPresent(1L) + " / " + plain.getIfPresent(1L));
        assertThat(set.isReplayPaused(replica)).isTrue();

        assertThat(plain.get(1L)).as("a fill that ignores the position reads the paused replica: the old price")
            .isEqualTo("1000@r1");
        assertThat(product.get(1L)).as("a positioned fill reads a source that has the change")
            .isEqualTo("2000@primary");
        assertThat(product.get(2L)).as("unchanged keys still fill from the replica").isEqualTo("1000@r1");

        set.resumeReplay(replica);
        set.awaitCaughtUp(replica, Duration.ofSeconds(20));
        product.invalidate(1L); // no position of its own: the remembered one still applies
        assertThat(product.get(1L)).as("once the replica has replayed the change it may serve the fill")
            .isEqualTo("2000@r1");
      } finally {
        if (set.isReplayPaused(replica)) {
          set.resumeReplay(replica);
        }
        ChangeCapture.dropSlot(set.primaryJdbcUrl(), set.user(), set.password(), "hotset_fill", "hotset_fill");
      }
    }
  }
}
