package io.hotset.postgres.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 5: a bulk import of 100,000 product updates; invalidations keep up (lag p99
 * reported) and the slot's retained WAL returns to near zero afterwards.
 */
@Tag("slow")
@WithPostgres
@WithRedis
class CdcBulkImportIT {

  @Test
  void bulkImportIsInvalidatedAndTheSlotDrains(PostgresServer pg, RedisServer redis) throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    int n = 100_000;
    CdcNode.createSchema(pg.jdbcUrl(), pg.user(), pg.password(), n);
    try (CdcNode node = new CdcNode("bulk", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())
             .startCdc(pg.jdbcUrl(), pg.user(), pg.password());
         Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      ChangeCaptureTestSupport.awaitLeader(node.cdc);
      SplittableRandom rnd = new SplittableRandom(1);
      long[] cached = new long[2000];
      for (int i = 0; i < cached.length; i++) {
        cached[i] = 1 + rnd.nextInt(n);
        assertThat(node.products.get(cached[i])).isEqualTo("1000");
      }
      long start = System.nanoTime();
      try (Statement st = c.createStatement()) {
        for (int from = 1; from <= n; from += 1000) { // 100 transactions of 1,000 rows, as an import tool does
          st.executeUpdate("UPDATE products SET price_cents = price_cents + 1 WHERE product_id BETWEEN " + from
              + " AND " + (from + 999));
        }
      }
      long importedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      ChangeCaptureTestSupport.awaitCaughtUpTo(pg, node.cdc, 120_000);
      long caughtUpMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long retained;
      while ((retained = ChangeCaptureTestSupport.retainedBytes(pg)) > 64 * 1024) {
        assertThat(System.nanoTime()).as("retained WAL drains (now %d bytes)", retained).isLessThan(deadline);
        Thread.sleep(50);
      }
      Timer lag = node.registry.get("hotset.cdc.lag").timer();
      StringBuilder pcts = new StringBuilder();
      for (ValueAtPercentile v : lag.takeSnapshot().percentileValues()) {
        pcts.append(String.format(" p%.0f %.0f ms", v.percentile() * 100, v.value(TimeUnit.MILLISECONDS)));
      }
      System.out.printf("bulk import: %d updates in %d ms, all invalidated %d ms after the start; lag%s, max %.0f ms;"
              + " %d changes fanned out; slot retains %d bytes afterwards%n", n, importedMs, caughtUpMs, pcts,
          lag.max(TimeUnit.MILLISECONDS), node.cdc.changesProcessed(), retained);
      assertThat(node.cdc.changesProcessed()).isGreaterThanOrEqualTo(n);
      for (long id : cached) {
        assertThat(node.products.get(id)).as("product %d after the import", id).isEqualTo("1001");
      }
      assertThat(retained).as("slot's retained WAL near zero").isLessThanOrEqualTo(64 * 1024);
      assertThat(lag.max(TimeUnit.MILLISECONDS)).as("invalidations kept up: worst lag (ms)").isLessThan(10_000);
    }
  }
}
