package io.hotset.catalog.spi;

import io.hotset.Loader;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReplicaRouter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Chooses the database a read goes to. Strong reads and every write use {@link #primary()}; cache
 * fills and other staleness-tolerant reads go through {@link #read(long, ReadWork)} with the source
 * position the fill must read at or past (design, "Read replicas"): {@link Loader#ANY_POSITION}
 * when no change of the key is remembered, else the WAL position of the change behind the last
 * invalidation of the key, so a lagging replica cannot put the old value back into the cache.
 */
public interface ReadRouting {

  /** The primary: writes, strong reads, schema and seeding. */
  DataSource primary();

  /**
   * Runs a staleness-tolerant read on a copy of the database at or past {@code minPosition}
   * ({@link Loader#ANY_POSITION}: any copy; {@link Loader#NEWEST}: the primary). {@code work} only
   * reads, must not keep the connection, and may run twice: a replica that fails under it is left
   * for the next candidate or the primary.
   */
  <T> T read(long minPosition, ReadWork<T> work) throws SQLException;

  /** Read-only work on a connection, for {@link #read}. */
  @FunctionalInterface
  interface ReadWork<T> {
    T read(Connection connection) throws SQLException;
  }

  /**
   * The primary's WAL position now, at or past the end of every transaction committed before the
   * call, for the invalidation of a write that just committed; {@link Loader#ANY_POSITION} when
   * reads never go to a copy that could lag (no position needed, no query made).
   */
  default long currentPosition() throws SQLException {
    return Loader.ANY_POSITION;
  }

  /** Every read goes to the primary. */
  static ReadRouting primaryOnly(DataSource primary) {
    Objects.requireNonNull(primary, "primary");
    return new ReadRouting() {
      @Override
      public DataSource primary() {
        return primary;
      }

      @Override
      public <T> T read(long minPosition, ReadWork<T> work) throws SQLException {
        try (Connection c = primary.getConnection()) {
          return work.read(c);
        }
      }
    };
  }

  /**
   * Tolerant reads through {@code router} (hotset-postgres): to a replica in rotation that has
   * replayed {@code minPosition} (read on the connection handed out), else to the primary; a
   * replica that fails under a read is taken out of rotation and the read runs again elsewhere
   * ({@link ReplicaRouter#read}).
   */
  static ReadRouting replicas(ReplicaRouter router) {
    Objects.requireNonNull(router, "router");
    return new ReadRouting() {
      @Override
      public DataSource primary() {
        return router.primary();
      }

      @Override
      public <T> T read(long minPosition, ReadWork<T> work) throws SQLException {
        return router.read(ReadConsistency.forFill(minPosition), work::read);
      }

      @Override
      public long currentPosition() throws SQLException {
        return router.currentPrimaryLsn().asLong();
      }
    };
  }
}
