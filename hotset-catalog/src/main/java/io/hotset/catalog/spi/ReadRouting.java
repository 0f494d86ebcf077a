package io.hotset.catalog.spi;

import javax.sql.DataSource;

/**
 * Chooses the database a read goes to. Cache fills and other tolerant reads ask {@link #read()};
 * strong reads and every write use {@link #primary()}. A replica router must only answer
 * {@link #read()} with a replica that has replayed past the last invalidation it serves a fill
 * for (see the design's "Read replicas"); the default sends everything to the primary.
 */
public interface ReadRouting {

  /** The primary: writes, strong reads, schema and seeding. */
  DataSource primary();

  /** Where a cache fill or other staleness-tolerant read goes. */
  DataSource read();

  /** Every read goes to the primary. */
  static ReadRouting primaryOnly(DataSource primary) {
    return new ReadRouting() {
      @Override
      public DataSource primary() {
        return primary;
      }

      @Override
      public DataSource read() {
        return primary;
      }
    };
  }
}
