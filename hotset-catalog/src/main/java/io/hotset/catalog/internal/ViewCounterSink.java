package io.hotset.catalog.internal;

import io.hotset.spi.WriteBehindSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The write-behind sink of the view counter: adds each flushed batch of summed deltas to
 * {@code product_views} (upsert) and records "applied through journal sequence N" in
 * {@code view_counter_checkpoints}, in one transaction, so a replayed batch is never applied twice.
 */
public final class ViewCounterSink implements WriteBehindSink<Long, Long> {
  private final DataSource primary;
  private final QueryCounter queries;

  public ViewCounterSink(DataSource primary, QueryCounter queries) {
    this.primary = primary;
    this.queries = queries;
  }

  @Override
  public long appliedThrough(String journalId) throws SQLException {
    try (Connection c = primary.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT applied_through FROM view_counter_checkpoints WHERE journal_id = ?")) {
      ps.setString(1, journalId);
      queries.count("views_checkpoint");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public void apply(Map<Long, Long> merged, String journalId, long throughSequence) throws SQLException {
    try (Connection c = primary.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO product_views (product_id, views) VALUES (?, ?) "
                + "ON CONFLICT (product_id) DO UPDATE SET views = product_views.views + EXCLUDED.views")) {
          for (Map.Entry<Long, Long> e : merged.entrySet()) {
            ps.setLong(1, e.getKey());
            ps.setLong(2, e.getValue());
            ps.addBatch();
          }
          queries.count("views_flush", merged.size());
          ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO view_counter_checkpoints (journal_id, applied_through) VALUES (?, ?) "
                + "ON CONFLICT (journal_id) DO UPDATE SET applied_through = EXCLUDED.applied_through")) {
          ps.setString(1, journalId);
          ps.setLong(2, throughSequence);
          queries.count("views_checkpoint");
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }
}
