package io.hotset.catalog.spi;

/**
 * A stream of row changes committed to the catalog's tables by anyone (the service, migrations,
 * operators' SQL), e.g. PostgreSQL logical decoding. The catalog turns each change into
 * invalidations of its regions and edge purges, so writes that bypass the service are noticed too.
 */
public interface ChangeFeed extends AutoCloseable {

  /** One committed row change: the table and its primary key value as text. */
  record Change(String table, String key) {}

  /** Receives changes; called from the feed's own thread, must not block for long. */
  @FunctionalInterface
  interface Listener {
    void onChange(Change change);
  }

  /** Starts delivering changes to {@code listener}; called once, after the schema is migrated. */
  void start(Listener listener);

  /** Stops the feed; idempotent. */
  @Override
  void close();

  /** The default: no feed (only the service's own writes invalidate; TTL is the floor). */
  static ChangeFeed none() {
    return new ChangeFeed() {
      @Override
      public void start(Listener listener) {}

      @Override
      public void close() {}
    };
  }
}
