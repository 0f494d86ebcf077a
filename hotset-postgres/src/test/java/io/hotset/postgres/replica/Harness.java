package io.hotset.postgres.replica;

import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.spi.Ticker;
import io.hotset.testkit.PostgresReplicaSet;
import io.hotset.testkit.PostgresServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Helpers for the routing ITs: which server really answered, bounded waits, a movable wall clock. */
final class Harness {
  private Harness() {}

  /** A value and the node that served it, identified by the server's own port, not by the router. */
  record Served(String value, String node) {}

  static ReplicaRouter.Builder router(PostgresReplicaSet set, MeterRegistry registry) {
    ReplicaRouter.Builder b = ReplicaRouter.builder()
        .primary(set.primaryJdbcUrl(), set.user(), set.password())
        .meterRegistry(registry);
    for (int i = 0; i < set.replicas().size(); i++) {
      b.replica("r" + (i + 1), set.replica(i).jdbcUrl(), set.user(), set.password());
    }
    return b;
  }

  /** The node behind {@code c}: {@code primary} or {@code r<i>}, from {@code current_setting('port')}. */
  static String nodeOf(PostgresReplicaSet set, Connection c) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SELECT current_setting('port')::int");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      int port = rs.getInt(1);
      if (port == set.primary().port()) {
        return "primary";
      }
      for (int i = 0; i < set.replicas().size(); i++) {
        if (set.replica(i).port() == port) {
          return "r" + (i + 1);
        }
      }
      throw new AssertionError("no node of the set listens on " + port);
    }
  }

  static String value(Connection c, String key) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
      st.setString(1, key);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Reads {@code key} through {@link ReplicaRouter#read}. */
  static Served read(ReplicaRouter router, PostgresReplicaSet set, ReadConsistency rc, String key)
      throws SQLException {
    return router.read(rc, c -> new Served(value(c, key), nodeOf(set, c)));
  }

  /** Reads {@code key} through {@link ReplicaRouter#readConnection}. */
  static Served readByConnection(ReplicaRouter router, PostgresReplicaSet set, ReadConsistency rc, String key)
      throws SQLException {
    try (Connection c = router.readConnection(rc)) {
      return new Served(value(c, key), nodeOf(set, c));
    }
  }

  static void put(ReplicaRouter router, String key, String value) throws SQLException {
    try (Connection c = router.primaryConnection()) {
      put(c, key, value);
    }
  }

  static void put(Connection c, String key, String value) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v")) {
      st.setString(1, key);
      st.setString(2, value);
      st.executeUpdate();
    }
  }

  static void resetTable(PostgresReplicaSet set) {
    set.primary().psql("CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v text);"
        + " CREATE TABLE IF NOT EXISTS ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());"
        + " TRUNCATE kv, ticks");
  }

  /**
   * Waits until {@code condition} holds, polling every 10 ms; returns the milliseconds it took.
   *
   * @throws AssertionError after {@code timeout}, with {@code what} and {@code state}
   */
  static long await(String what, Duration timeout, BooleanSupplier condition, java.util.function.Supplier<?> state)
      throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; state: " + state.get());
      }
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  static long awaitRoute(ReplicaRouter router, String node, Duration timeout) throws InterruptedException {
    return await("any() reads to go to " + node, timeout,
        () -> router.routeFor(ReadConsistency.any()).node().equals(node), router::status);
  }

  static void awaitCaughtUp(PostgresReplicaSet set) {
    for (PostgresServer r : set.replicas()) {
      set.awaitCaughtUp(r, Duration.ofSeconds(20));
    }
  }

  /** Real monotonic time; a wall clock the test can move forward. */
  static final class MovableWall implements Ticker {
    private final AtomicLong offsetMillis = new AtomicLong();

    @Override
    public long read() {
      return System.nanoTime();
    }

    @Override
    public long wallMillis() {
      return System.currentTimeMillis() + offsetMillis.get();
    }

    void advance(Duration d) {
      offsetMillis.addAndGet(d.toMillis());
    }
  }
}
