package io.hotset.postgres.internal.replica;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The one connection the checks of a node use, kept open between checks and reopened after a
 * failure. Separate from the node's pool, so that a pool the application has exhausted does not
 * look like a dead replica. Queried by one thread at a time (the node's check task); {@link
 * #close()} may come from any thread, and closes a connection a hung query is waiting on.
 */
final class CheckConnection implements AutoCloseable {
  /** Opens a connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  /** Reads the single row of the check. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  private final Opener opener;
  private final String sql;
  private final int networkTimeoutMillis;
  private volatile Connection connection;
  private PreparedStatement statement;
  private volatile boolean closed;

  CheckConnection(Opener opener, String sql, int networkTimeoutMillis) {
    this.opener = opener;
    this.sql = sql;
    this.networkTimeoutMillis = networkTimeoutMillis;
  }

  <T> T query(RowReader<T> reader) throws SQLException {
    try {
      if (connection == null) {
        if (closed) {
          throw new SQLException("closed");
        }
        Connection c = opener.open();
        connection = c;
        c.setAutoCommit(true);
        c.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
        statement = c.prepareStatement(sql);
        if (closed) {
          discard();
          throw new SQLException("closed");
        }
      }
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the check returned no row: " + sql);
        }
        return reader.read(rs);
      }
    } catch (SQLException | RuntimeException e) {
      discard();
      throw e;
    }
  }

  @Override
  public void close() {
    closed = true;
    discard();
  }

  private void discard() {
    Connection c = connection;
    connection = null;
    statement = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // a broken connection may fail to close; it is gone either way
      }
    }
  }
}
