package io.hotset.postgres.internal.replica;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReadToken;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.postgres.internal.replica.RoutingPolicy.Decision;
import io.hotset.postgres.internal.replica.RoutingPolicy.ReplicaView;
import io.hotset.postgres.internal.replica.RoutingPolicy.Verdict;
import io.hotset.spi.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The router: one check task per node on a small scheduler, the {@link WalHistory} that turns
 * replay positions into lag, and {@link RoutingPolicy} deciding each read from the latest checks.
 *
 * <p>Checks. Every {@code lagCheckInterval} the primary's {@code pg_current_wal_lsn()} goes into
 * the history, and each replica reports {@code pg_is_in_recovery()}, {@code pg_last_wal_replay_lsn()},
 * {@code pg_last_wal_receive_lsn()}, {@code pg_is_wal_replay_paused()} and
 * {@code clock_timestamp() - pg_last_xact_replay_timestamp()}. Lag comes from the history (see
 * there); the replay timestamp is used only for a replica older than the history, where its
 * known flaw (it grows while the primary is idle) cannot make a caught-up replica look stale.
 * Each node's check runs on its own thread with a fixed delay, so a hung node delays only its
 * own checks, and the policy counts the age of a node's last answer as lag.
 *
 * <p>Failures on the read path (no connection, a broken connection) take the replica out of
 * rotation at once, until a check started after the failure answers; pools the router owns are
 * soft-evicted then, so a restarted replica is not handed its dead connections.
 */
public final class DefaultReplicaRouter implements ReplicaRouter {
  private static final System.Logger LOG = System.getLogger(DefaultReplicaRouter.class.getName());
  private static final String PRIMARY = Builder.PRIMARY;

  private static final String PRIMARY_CHECK = "SELECT pg_current_wal_lsn()::text";
  private static final String REPLICA_CHECK = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
      + " pg_last_wal_receive_lsn()::text,"
      + " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,"
      + " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8";
  private static final String REPLAY_POSITION = "SELECT pg_last_wal_replay_lsn()::text";
  private static final String INSERT_POSITION = "SELECT pg_current_wal_insert_lsn()::text,"
      + " current_setting('wal_block_size')::int, pg_size_bytes(current_setting('wal_segment_size'))";

  /** How far back the WAL history reaches at least, whatever {@code maxLag}. */
  private static final Duration MIN_HISTORY = Duration.ofMinutes(1);
  private static final int MAX_HISTORY_ENTRIES = 100_000;

  private final RouterConfig config;
  private final Ticker ticker;
  private final Node primary;
  private final List<Node> replicas;
  private final WalHistory history;
  private final RoutingPolicy policy;
  private final ScheduledThreadPoolExecutor checks;
  private final AtomicInteger turn = new AtomicInteger();
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Map<String, Counter> reads = new LinkedHashMap<>();
  private volatile boolean closed;

  private volatile boolean primaryReachable;
  private volatile String primaryError;

  private DefaultReplicaRouter(RouterConfig config) {
    this.config = config;
    this.ticker = config.ticker();
    long maxLagNanos = config.maxLag().toNanos();
    this.history = new WalHistory(Math.max(maxLagNanos * 10, MIN_HISTORY.toNanos()), MAX_HISTORY_ENTRIES);
    this.policy = new RoutingPolicy(maxLagNanos, config.maxLagBytes(), config.pinDuration().toMillis() * 2);
    List<Node> built = new ArrayList<>();
    try {
      this.primary = new Node(config.primary(), PRIMARY_CHECK, config, true);
      built.add(primary);
      for (RouterConfig.Node r : config.replicas()) {
        built.add(new Node(r, REPLICA_CHECK, config, false));
      }
    } catch (RuntimeException e) {
      built.forEach(Node::close);
      throw e;
    }
    this.replicas = List.copyOf(built.subList(1, built.size()));
    this.registry = config.meterRegistry();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "hotset-replica-check-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.checks = new ScheduledThreadPoolExecutor(1 + replicas.size(), factory);
    checks.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    checks.setRemoveOnCancelPolicy(true);
    registerMetrics();
  }

  /** Builds the router, registers its metrics and starts the checks. */
  public static ReplicaRouter start(RouterConfig config) {
    DefaultReplicaRouter router = new DefaultReplicaRouter(config);
    long interval = config.lagCheckInterval().toNanos();
    router.checks.scheduleWithFixedDelay(router::checkPrimary, 0, interval, TimeUnit.NANOSECONDS);
    for (Node r : router.replicas) {
      router.checks.scheduleWithFixedDelay(() -> router.checkReplica(r), 0, interval, TimeUnit.NANOSECONDS);
    }
    return router;
  }

  // ------------------------------------------------------------------ checks

  private void checkPrimary() {
    try {
      Lsn position = primary.check.query(row -> Lsn.parse(row.getString(1)));
      history.record(position, ticker.read());
      primaryReachable = true;
      primaryError = null;
    } catch (SQLException | RuntimeException e) {
      if (closed) {
        return;
      }
      if (primaryReachable || primaryError == null) {
        LOG.log(System.Logger.Level.WARNING, "check of the primary failed: " + describe(e));
      }
      primaryReachable = false;
      primaryError = describe(e);
    } catch (Error e) {
      LOG.log(System.Logger.Level.ERROR, "check of the primary failed", e);
    }
  }

  private void checkReplica(Node node) {
    boolean reachableBefore = node.reachable();
    long started = ticker.read();
    try {
      ReplicaSample sample = node.check.query(row -> {
        boolean inRecovery = row.getBoolean(1);
        String replayText = row.getString(2);
        String receiveText = row.getString(3);
        boolean paused = row.getBoolean(4);
        double replayAgeSeconds = row.getDouble(5);
        boolean replayAgeKnown = !row.wasNull();
        long at = ticker.read();
        Lsn replay = replayText == null ? Lsn.NONE : Lsn.parse(replayText);
        Lsn receive = receiveText == null ? Lsn.NONE : Lsn.parse(receiveText);
        String problem = !inRecovery ? "not in recovery (promoted, or not a standby)"
            : replayText == null ? "no replay position yet" : null;
        long lagNanos = history.lagNanos(replay, at);
        if (lagNanos < 0) {
          long lowerBound = Math.max(0, history.oldestAgeNanos(at));
          lagNanos = replayAgeKnown ? Math.max(lowerBound, (long) (Math.max(0, replayAgeSeconds) * 1e9)) : -1;
        }
        return new ReplicaSample(started, at, replay, receive, paused, history.lagBytes(replay), lagNanos, problem);
      });
      if (!reachableBefore) {
        // Back from a failure (or new): the node's pool must give a connection before reads go
        // there, or they would wait on it (HikariCP backs off up to 5 s between failed connects)
        try (Connection c = node.dataSource.getConnection()) {
          c.getAutoCommit();
        } catch (SQLException | RuntimeException e) {
          if (!isPoolBusy(e)) {   // a busy pool works: it is handing out connections
            if (!closed) {
              markFailed(node, e, "connection");
            }
            return;
          }
        }
      }
      node.sample = sample;
      logTransition(node);
    } catch (SQLException | RuntimeException e) {
      if (closed) {
        return;
      }
      markFailed(node, e, "check");
    } catch (Error e) {
      LOG.log(System.Logger.Level.ERROR, "check of replica " + node.name + " failed", e);
    }
  }

  /** Logs when a replica's rotation verdict differs from the last one logged. */
  private void logTransition(Node node) {
    Verdict now = verdict(node);
    synchronized (node) {
      if (now.inRotation() == node.loggedInRotation) {
        return;
      }
      node.loggedInRotation = now.inRotation();
    }
    LOG.log(now.inRotation() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
        "replica " + node.name + (now.inRotation() ? " in rotation" : " out of rotation: " + now.reason()));
  }

  private void markFailed(Node node, Exception e, String where) {
    node.error = where + ": " + describe(e);
    node.failedAtNanos = ticker.read();
    if (node.ownedPool != null) {
      try {
        node.ownedPool.getHikariPoolMXBean().softEvictConnections();
      } catch (RuntimeException ignored) {
        // the pool may be closing
      }
    }
    logTransition(node);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String state = e instanceof SQLException && ((SQLException) e).getSQLState() != null
        ? " [SQLSTATE " + ((SQLException) e).getSQLState() + "]" : "";
    String text = (m == null ? e.getClass().getSimpleName() : m.strip()) + state;
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  private Verdict verdict(Node node) {
    return policy.verdict(node.view(), ticker.read());
  }

  // ------------------------------------------------------------------ routing

  private Decision decide(ReadConsistency consistency, int turn) {
    Objects.requireNonNull(consistency, "consistency");
    if (closed) {
      throw new IllegalStateException("the replica router is closed");
    }
    List<ReplicaView> views = new ArrayList<>(replicas.size());
    for (Node r : replicas) {
      views.add(r.view());
    }
    return policy.decide(consistency, views, ticker.read(), ticker.wallMillis(), turn);
  }

  @Override
  public Route routeFor(ReadConsistency consistency) {
    Decision d = decide(consistency, turn.get());
    return d.primary() ? new Route(PRIMARY, true, d.reason())
        : new Route(replicas.get(d.candidates().get(0)).name, false, d.reason());
  }

  @Override
  public Connection readConnection(ReadConsistency consistency) throws SQLException {
    return acquire(decide(consistency, turn.getAndIncrement()), 0).connection;
  }

  @Override
  public <T> T read(ReadConsistency consistency, ReadWork<T> work) throws SQLException {
    Objects.requireNonNull(work, "work");
    Decision d = decide(consistency, turn.getAndIncrement());
    int from = 0;
    while (true) {
      Acquired a = acquire(d, from);
      try (Connection c = a.connection) {
        return work.read(c);
      } catch (SQLException e) {
        if (a.node == primary || !retryElsewhere(e)) {
          throw e;
        }
        if (isConnectionFailure(e)) {
          markFailed(a.node, e, "read");
        }
        from = a.position + 1;
      }
    }
  }

  private record Acquired(Connection connection, Node node, int position) {}

  private Acquired acquire(Decision d, int from) throws SQLException {
    for (int i = from; i < d.candidates().size(); i++) {
      Node node = replicas.get(d.candidates().get(i));
      if (!node.reachable()) {
        continue;   // failed since the decision: do not wait on its pool
      }
      Connection c = null;
      try {
        c = node.dataSource.getConnection();
        if (!d.verifyAtLeast().isNone() && !hasReplayed(c, d.verifyAtLeast())) {
          c.close();
          continue;
        }
        reads.get(node.name).increment();
        return new Acquired(c, node, i);
      } catch (SQLException | RuntimeException e) {
        closeQuietly(c);
        if (!isPoolBusy(e)) {
          markFailed(node, e, "connection");
        }
      }
    }
    Connection c = primary.dataSource.getConnection();
    reads.get(PRIMARY).increment();
    return new Acquired(c, primary, -1);
  }

  /**
   * Whether the replica behind {@code c} has replayed {@code needed}, read on {@code c} itself.
   * Outside autocommit the check's transaction is ended, so that the caller's first statement
   * takes its snapshot after the check (a REPEATABLE READ snapshot taken before it could predate
   * the replay it saw).
   */
  private static boolean hasReplayed(Connection c, Lsn needed) throws SQLException {
    boolean ok;
    try (PreparedStatement st = c.prepareStatement(REPLAY_POSITION); ResultSet rs = st.executeQuery()) {
      rs.next();
      String replay = rs.getString(1);
      ok = replay != null && Lsn.parse(replay).isAtLeast(needed);
    }
    if (!c.getAutoCommit()) {
      c.rollback();
    }
    return ok;
  }

  /**
   * HikariCP's timeout with no connect failure behind it: every connection is in use. The
   * replica is busy, not broken; the read moves on without taking it out of rotation.
   */
  private static boolean isPoolBusy(Exception e) {
    return e instanceof SQLTransientConnectionException && e.getCause() == null;
  }

  private static boolean retryElsewhere(SQLException e) {
    return isConnectionFailure(e) || "40001".equals(e.getSQLState());
  }

  private static boolean isConnectionFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
            || state.equals("57P03"))) {
          return true;
        }
      }
    }
    return false;
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // already failed; the pool discards it
      }
    }
  }

  // ------------------------------------------------------------------ writes

  @Override
  public DataSource primary() {
    return primary.dataSource;
  }

  @Override
  public Connection primaryConnection() throws SQLException {
    return primary.dataSource.getConnection();
  }

  @Override
  public ReadToken writeToken(Connection primaryConnection) throws SQLException {
    Objects.requireNonNull(primaryConnection, "primaryConnection");
    if (config.readYourWrites() == ReadYourWrites.TIME_PIN) {
      return ReadToken.pinnedUntil(Instant.ofEpochMilli(ticker.wallMillis() + config.pinDuration().toMillis()));
    }
    if (!primaryConnection.getAutoCommit() && primaryConnection.isWrapperFor(BaseConnection.class)) {
      TransactionState state = primaryConnection.unwrap(BaseConnection.class).getTransactionState();
      if (state != TransactionState.IDLE) {
        throw new IllegalStateException("writeToken needs a connection outside a transaction (it is " + state
            + "): commit first, a position read before COMMIT misses the commit record");
      }
    }
    return ReadToken.lsn(insertPosition(primaryConnection));
  }

  @Override
  public ReadToken writeToken() throws SQLException {
    if (config.readYourWrites() == ReadYourWrites.TIME_PIN) {
      return ReadToken.pinnedUntil(Instant.ofEpochMilli(ticker.wallMillis() + config.pinDuration().toMillis()));
    }
    return ReadToken.lsn(currentPrimaryLsn());
  }

  @Override
  public Lsn currentPrimaryLsn() throws SQLException {
    try (Connection c = primary.dataSource.getConnection()) {
      return insertPosition(c);
    }
  }

  private static Lsn insertPosition(Connection c) throws SQLException {
    Lsn position;
    try (PreparedStatement st = c.prepareStatement(INSERT_POSITION); ResultSet rs = st.executeQuery()) {
      rs.next();
      position = WalPositions.lastRecordEnd(Lsn.parse(rs.getString(1)), rs.getInt(2), rs.getLong(3));
    }
    if (!c.getAutoCommit()) {
      c.rollback();
    }
    return position;
  }

  // ------------------------------------------------------------------ status and metrics

  @Override
  public Status status() {
    long now = ticker.read();
    List<ReplicaStatus> list = new ArrayList<>(replicas.size());
    for (Node r : replicas) {
      ReplicaSample s = r.sample;
      Verdict v = policy.verdict(r.view(), now);
      list.add(new ReplicaStatus(r.name, v.inRotation(), v.reason(), r.reachable(),
          s == null ? Lsn.NONE : s.replay(), s != null && s.replayPaused(), s == null ? -1 : s.lagBytes(),
          s == null || s.lagNanos() < 0 ? null : Duration.ofNanos(s.lagNanos()),
          s == null ? null : Duration.ofNanos(Math.max(0, now - s.atNanos()))));
    }
    Lsn latest = history.latest();
    return new Status(primaryReachable, latest == null ? Lsn.NONE : latest, primaryError, List.copyOf(list));
  }

  private void registerMetrics() {
    for (Node r : replicas) {
      meters.add(Gauge.builder("hotset_replica_lag_seconds", r, n -> {
        ReplicaSample s = n.sample;
        return !n.reachable() || s.lagNanos() < 0 ? Double.NaN : s.lagNanos() / 1e9;
      }).tag("replica", r.name).description("Age of the oldest write the replica had not replayed at its last check")
          .baseUnit("seconds").strongReference(true).register(registry));
      meters.add(Gauge.builder("hotset_replica_lag_bytes", r, n -> {
        ReplicaSample s = n.sample;
        return !n.reachable() || s.lagBytes() < 0 ? Double.NaN : s.lagBytes();
      }).tag("replica", r.name).description("WAL bytes the replica was behind the primary at its last check")
          .baseUnit("bytes").strongReference(true).register(registry));
      meters.add(Gauge.builder("hotset_replica_in_rotation", r, n -> verdict(n).inRotation() ? 1 : 0)
          .tag("replica", r.name).description("1 while the replica may serve reads")
          .strongReference(true).register(registry));
    }
    List<String> targets = new ArrayList<>();
    replicas.forEach(r -> targets.add(r.name));
    targets.add(PRIMARY);
    for (String target : targets) {
      Counter c = Counter.builder("hotset_replica_reads_total").tag("target", target)
          .description("Read connections handed out, by node").register(registry);
      reads.put(target, c);
      meters.add(c);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    checks.shutdownNow();
    primary.check.close();
    replicas.forEach(r -> r.check.close());
    try {
      checks.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    meters.forEach(registry::remove);
    primary.close();
    replicas.forEach(Node::close);
  }

  @Override
  public String toString() {
    return "ReplicaRouter[primary " + config.primary() + ", replicas " + config.replicas() + "]";
  }

  /** One node: its data source, the pool the router built (if it did), its check and its state. */
  private static final class Node {
    final String name;
    final DataSource dataSource;
    final HikariDataSource ownedPool;
    final CheckConnection check;
    volatile ReplicaSample sample;
    volatile long failedAtNanos = RoutingPolicy.NEVER;
    volatile String error;
    boolean loggedInRotation;

    Node(RouterConfig.Node spec, String checkSql, RouterConfig config, boolean isPrimary) {
      this.name = spec.name();
      long timeoutMillis = config.connectionTimeout().toMillis();
      int networkTimeout = (int) Math.min(Integer.MAX_VALUE,
          Math.max(timeoutMillis, config.maxLag().toMillis()) * 2);
      if (spec.dataSource() != null) {
        this.dataSource = spec.dataSource();
        this.ownedPool = null;
        this.check = new CheckConnection(dataSource::getConnection, checkSql, networkTimeout);
      } else {
        int seconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("hotset-" + name);
        hc.setJdbcUrl(spec.jdbcUrl());
        hc.setUsername(spec.user());
        if (!spec.password().isEmpty()) {
          hc.setPassword(spec.password());
        }
        hc.setMaximumPoolSize(config.poolSize());
        if (!isPrimary) {
          // With idle connections to keep, HikariCP retries a dead replica with a backoff growing
          // to 5 s and returns late after its restart; with none, it connects on demand at once.
          hc.setMinimumIdle(0);
        }
        long poolTimeout = (isPrimary ? config.connectionTimeout() : config.replicaConnectionTimeout()).toMillis();
        hc.setConnectionTimeout(poolTimeout);
        hc.setValidationTimeout(Math.max(250, poolTimeout / 2));
        hc.setInitializationFailTimeout(-1);
        hc.addDataSourceProperty("connectTimeout", seconds);
        hc.addDataSourceProperty("ApplicationName", "hotset");
        this.ownedPool = new HikariDataSource(hc);
        this.dataSource = ownedPool;
        Properties props = new Properties();
        props.setProperty("user", spec.user());
        if (!spec.password().isEmpty()) {
          props.setProperty("password", spec.password());
        }
        props.setProperty("connectTimeout", Integer.toString(seconds));
        props.setProperty("loginTimeout", Integer.toString(seconds));
        props.setProperty("ApplicationName", "hotset-replica-check");
        String url = spec.jdbcUrl();
        this.check = new CheckConnection(() -> DriverManager.getConnection(url, props), checkSql, networkTimeout);
      }
    }

    /** Whether the last check answered and nothing failed on the node since. */
    boolean reachable() {
      ReplicaSample s = sample;
      long failed = failedAtNanos;
      return s != null && (failed == RoutingPolicy.NEVER || failed - s.startedNanos() < 0);
    }

    ReplicaView view() {
      return new ReplicaView(name, sample, failedAtNanos, error);
    }

    void close() {
      check.close();
      if (ownedPool != null) {
        ownedPool.close();
      }
    }
  }
}
