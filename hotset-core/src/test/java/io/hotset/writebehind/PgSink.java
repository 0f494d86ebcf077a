package io.hotset.writebehind;

import io.hotset.spi.WriteBehindSink;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/** A PostgreSQL source for write-behind tests: rows and the journal checkpoint in one transaction. */
final class PgSink implements WriteBehindSink<String, Long> {
  private final String url;
  private final String table;
  private final boolean counters;
  private final long delayMillis;

  PgSink(String url, String table, boolean counters, long delayMillis) {
    this.url = url;
    this.table = table;
    this.counters = counters;
    this.delayMillis = delayMillis;
  }

  static void createSchema(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "hotset", "hotset")) {
      c.createStatement().execute("CREATE TABLE IF NOT EXISTS wb_counter (key text PRIMARY KEY, n bigint NOT NULL)");
      c.createStatement().execute("CREATE TABLE IF NOT EXISTS wb_value (key text PRIMARY KEY, v bigint NOT NULL)");
      c.createStatement().execute("CREATE TABLE IF NOT EXISTS wb_checkpoint (journal text PRIMARY KEY, seq bigint NOT NULL)");
    }
  }

  @Override
  public long appliedThrough(String journalId) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "hotset", "hotset");
        PreparedStatement ps = c.prepareStatement("SELECT seq FROM wb_checkpoint WHERE journal = ?")) {
      ps.setString(1, journalId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public void apply(Map<String, Long> merged, String journalId, long through) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "hotset", "hotset")) {
      c.setAutoCommit(false);
      String sql = counters
          ? "INSERT INTO " + table + " (key, n) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET n = " + table + ".n + EXCLUDED.n"
          : "INSERT INTO " + table + " (key, v) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET v = EXCLUDED.v";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (Map.Entry<String, Long> e : merged.entrySet()) {
          ps.setString(1, e.getKey());
          ps.setLong(2, e.getValue());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO wb_checkpoint (journal, seq) VALUES (?, ?) "
          + "ON CONFLICT (journal) DO UPDATE SET seq = EXCLUDED.seq")) {
        ps.setString(1, journalId);
        ps.setLong(2, through);
        ps.executeUpdate();
      }
      if (delayMillis > 0) {
        Thread.sleep(delayMillis); // a slow source: the flush is still running when the process dies
      }
      c.commit();
    }
  }
}
