package io.hotset.postgres.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.postgres.ChangeCapture;
import io.hotset.postgres.SlotPolicy;
import io.hotset.postgres.TableMapping;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The slot may not grow without bound: with a fan-out that keeps failing, the retained WAL
 * passes the bound, the alarm gauge goes to 1, and SKIP_AHEAD gives up the stuck batch (counted,
 * reported to the gap handler) so the server can free the WAL; ALARM only alarms.
 */
@WithPostgres
@WithRedis
class SlotBoundIT {

  @Test
  void skipAheadFreesTheSlotAndReportsTheGap(PostgresServer pg, RedisServer redis) throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    CdcNode.createSchema(pg.jdbcUrl(), pg.user(), pg.password(), 5000);
    List<String> gaps = new CopyOnWriteArrayList<>();
    AtomicBoolean edgeDown = new AtomicBoolean(true);
    try (CdcNode node = new CdcNode("bad", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())) {
      assertThatThrownBy(() -> node.cdcBuilder(pg.jdbcUrl(), pg.user(), pg.password())
          .table(TableMapping.table("public.no_such_table").key("product", "{id}").build()).start())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("no_such_table")
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> ChangeCapture.builder().jdbcUrl(pg.jdbcUrl()).user(pg.user()).password(pg.password())
          .hotset(node.hotset).table(TableMapping.table("products").key("product", "{no_such_column}").build())
          .start()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no_such_column");
      assertThatThrownBy(() -> ChangeCapture.builder().jdbcUrl(pg.jdbcUrl()).user(pg.user()).password(pg.password())
          .hotset(node.hotset).table(TableMapping.table("products").key("no_such_region", "{product_id}").build())
          .start()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no_such_region");
    }
    try (CdcNode node = new CdcNode("bounded", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())) {
      node.cdc = startWithFailingEdge(node, pg, SlotPolicy.SKIP_AHEAD, edgeDown, gaps);
      ChangeCaptureTestSupport.awaitLeader(node.cdc);
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
           Statement st = c.createStatement()) {
        st.executeUpdate("UPDATE products SET price_cents = price_cents + 1 WHERE product_id <= 10");
        Thread.sleep(1500); // the batch is stuck: nothing acknowledged
        assertThat(gaps).isEmpty();
        for (int i = 0; i < 5; i++) { // ~5,000 row versions of WAL pile up behind it
          st.executeUpdate("UPDATE products SET price_cents = price_cents + 1");
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (gaps.isEmpty()) {
        assertThat(System.nanoTime()).as("the bound applied within 30 s").isLessThan(deadline);
        Thread.sleep(20);
      }
      System.out.println("slot bound: " + gaps.get(0));
      assertThat(node.registry.get("hotset.cdc.gaps").counter().count()).isPositive();
      edgeDown.set(false); // edge back: later batches fan out normally
      ChangeCaptureTestSupport.awaitCaughtUpTo(pg, node.cdc, 30_000);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (node.registry.get("hotset.cdc.slot.alarm").gauge().value() != 0) {
        assertThat(System.nanoTime()).as("alarm clears once the slot drained").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(ChangeCaptureTestSupport.retainedBytes(pg)).isLessThan(256 * 1024);
    }
  }

  @Test
  void alarmPolicyRaisesTheAlarmAndKeepsEverything(PostgresServer pg, RedisServer redis) throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    CdcNode.createSchema(pg.jdbcUrl(), pg.user(), pg.password(), 5000);
    AtomicBoolean edgeDown = new AtomicBoolean(true);
    List<String> gaps = new CopyOnWriteArrayList<>();
    try (CdcNode node = new CdcNode("alarmed", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())) {
      node.cdc = startWithFailingEdge(node, pg, SlotPolicy.ALARM, edgeDown, gaps);
      ChangeCaptureTestSupport.awaitLeader(node.cdc);
      String before = node.products.get(3L);
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
           Statement st = c.createStatement()) {
        for (int i = 0; i < 5; i++) {
          st.executeUpdate("UPDATE products SET price_cents = price_cents + 1");
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (node.registry.get("hotset.cdc.slot.alarm").gauge().value() != 1) {
        assertThat(System.nanoTime()).as("alarm within 30 s").isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThat(gaps).as("ALARM skips nothing").isEmpty();
      edgeDown.set(false);
      ChangeCaptureTestSupport.awaitCaughtUpTo(pg, node.cdc, 30_000);
      assertThat(node.products.get(3L)).as("the stuck batch was fanned out in the end")
          .isEqualTo(Integer.toString(Integer.parseInt(before) + 5));
    }
  }

  /** Change capture whose edge purge fails while {@code edgeDown} is set, with a 256 KiB slot bound. */
  private static ChangeCapture startWithFailingEdge(CdcNode node, PostgresServer pg, SlotPolicy policy,
      AtomicBoolean edgeDown, List<String> gaps) {
    return ChangeCapture.builder().jdbcUrl(pg.jdbcUrl()).user(pg.user()).password(pg.password())
        .hotset(node.hotset).meterRegistry(node.registry)
        .table(TableMapping.table("products").key("product", "{product_id}").surrogateKey("product:{product_id}")
            .build())
        .edgePurge(keys -> {
          if (edgeDown.get()) {
            throw new IllegalStateException("edge unreachable (test)");
          }
        })
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .maxRetainedWal(256 * 1024, policy)
        .onGap(gaps::add)
        .start();
  }
}
