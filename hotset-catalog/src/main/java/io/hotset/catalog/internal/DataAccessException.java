package io.hotset.catalog.internal;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** A failed SQL statement, unchecked; {@link #unavailable()} tells a database outage from a bug. */
public final class DataAccessException extends RuntimeException {

  public DataAccessException(String what, SQLException cause) {
    super(what + ": " + cause.getMessage(), cause);
  }

  /** The database could not be reached (connection class 08, pool timeout, shutdown in progress). */
  public boolean unavailable() {
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }
}
