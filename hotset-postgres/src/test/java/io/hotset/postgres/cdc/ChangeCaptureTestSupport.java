package io.hotset.postgres.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.postgres.ChangeCapture;
import io.hotset.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

final class ChangeCaptureTestSupport {
  private ChangeCaptureTestSupport() {}

  /** Drops the default slot and publication, so each test starts from the current WAL position. */
  static void reset(PostgresServer pg) {
    ChangeCapture.dropSlot(pg.jdbcUrl(), pg.user(), pg.password(), "hotset_cdc", "hotset_cdc");
  }

  static void awaitLeader(ChangeCapture cdc) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!cdc.isLeader()) {
      assertThat(System.nanoTime()).as("became leader within 15 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** Waits until the consumer has acknowledged everything written so far. */
  static void awaitCaughtUpTo(PostgresServer pg, ChangeCapture cdc, long timeoutMillis) throws Exception {
    long target;
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
      rs.next();
      target = rs.getLong(1);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (cdc.acknowledgedLsn() < target) {
      assertThat(System.nanoTime()).as("consumer caught up to %d within %d ms (at %d)", target, timeoutMillis,
          cdc.acknowledgedLsn()).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** WAL the slot retains now, in bytes. */
  static long retainedBytes(PostgresServer pg) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint "
             + "FROM pg_replication_slots WHERE slot_name = 'hotset_cdc'")) {
      return rs.next() ? rs.getLong(1) : -1;
    }
  }

  /** Waits until the slot has confirmed everything written so far. */
  static void awaitCaughtUp(PostgresServer pg, long maxRetained, long timeoutMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (retainedBytes(pg) > maxRetained) {
      assertThat(System.nanoTime()).as("slot caught up within %d ms (retained %d bytes)", timeoutMillis,
          retainedBytes(pg)).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
