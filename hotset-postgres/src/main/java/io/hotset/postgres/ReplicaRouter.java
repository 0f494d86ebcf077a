package io.hotset.postgres;

import io.hotset.postgres.internal.replica.DefaultReplicaRouter;
import io.hotset.postgres.internal.replica.RouterConfig;
import io.hotset.spi.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Sends writes to the PostgreSQL primary and reads to streaming replicas that are fresh enough,
 * with read-your-writes. A background thread checks every node each {@code lagCheckInterval};
 * a replica lagging beyond {@code maxLag} (or failing) leaves rotation and comes back once it has
 * caught up; the primary serves reads when no replica may.
 *
 * <pre>{@code
 * ReplicaRouter router = ReplicaRouter.builder()
 *     .primary("jdbc:postgresql://db1/app", "app", secret)
 *     .replica("r1", "jdbc:postgresql://db2/app", "app", secret)
 *     .maxLag(Duration.ofSeconds(1))
 *     .build();
 * try (Connection c = router.primaryConnection()) {          // write, commit
 *   update(c);
 *   cookie = router.writeToken(c).toString();               // after the commit
 * }
 * ReadConsistency rc = ReadToken.tryParse(cookie).map(ReadConsistency::of).orElse(ReadConsistency.any());
 * Product p = router.read(rc, c -> loadProduct(c, id));     // sees the write
 * }</pre>
 *
 * <p>Read-your-writes, two ways ({@link ReadYourWrites}): the default carries the primary's WAL
 * position after the write and lets only a replica that has replayed that far serve the client
 * (checked on the connection handed out); {@code TIME_PIN} sends the client's reads to the
 * primary for {@code pinDuration} after a write, which is simpler but no guarantee (a replica
 * may lag more than the pin). Cache fills after an invalidation use
 * {@code ReadConsistency.atLeast(commitEndLsn)} the same way: change capture passes each
 * change's commit end to the region ({@code Hotset.invalidateConfirmed(..., sourcePosition)}),
 * which hands it to the next fills of the key, so a positioned loader routes with
 * {@link ReadConsistency#forFill}:
 * <pre>{@code
 * .loader(Loader.positioned((id, min) -> router.read(ReadConsistency.forFill(min), c -> loadProduct(c, id))))
 * }</pre>
 *
 * <p>All methods are thread-safe. Metrics: {@code hotset_replica_lag_seconds{replica}},
 * {@code hotset_replica_lag_bytes{replica}} and {@code hotset_replica_in_rotation{replica}}
 * gauges, {@code hotset_replica_reads_total{target}} (a replica's name or {@code primary}).
 */
public interface ReplicaRouter extends AutoCloseable {

  static Builder builder() {
    return new Builder();
  }

  /** The primary's data source, for writes and transactions. */
  DataSource primary();

  /** A connection to the primary, for writes and transactions; the caller closes it. */
  Connection primaryConnection() throws SQLException;

  /**
   * A connection for reads, from the node {@code consistency} allows (see {@link #routeFor}).
   * For {@code atLeast} the replica's replay position is read on this connection before it is
   * handed out, so every statement run on it sees the write. A replica that fails to give a
   * connection is taken out of rotation at once and the next candidate (finally the primary) is
   * tried. The caller must only read and must close the connection. A replica that dies while
   * the caller uses the connection fails the caller's statement; {@link #read} retries that.
   *
   * @throws SQLException only when the primary, as the last resort, fails
   */
  Connection readConnection(ReadConsistency consistency) throws SQLException;

  /**
   * Runs {@code work} on a connection from {@link #readConnection}; if a replica fails under it
   * with a connection error (SQLSTATE class 08, 57P01-57P03) or a recovery conflict (40001),
   * runs it again on the next candidate or the primary. {@code work} must only read (it may run
   * twice) and must not keep the connection.
   *
   * @throws SQLException what {@code work} threw on the primary, or a non-connection error from
   *     a replica
   */
  <T> T read(ReadConsistency consistency, ReadWork<T> work) throws SQLException;

  /**
   * Where a read with {@code consistency} would go now, from the last checks, without
   * connecting (for {@code atLeast}, {@link #readConnection} may still fall back to the primary
   * after reading the replay position). Does not advance the round-robin turn.
   */
  Route routeFor(ReadConsistency consistency);

  /**
   * A token for the client that just wrote on {@code primaryConnection}, to carry to its next
   * reads. {@link ReadYourWrites#LSN_TOKEN}: the primary's WAL insert position, read on that
   * connection, which covers every transaction committed before the call; the connection must
   * not be inside a transaction (a position taken before {@code COMMIT} misses the commit
   * record). {@link ReadYourWrites#TIME_PIN}: a pin for {@code pinDuration} from now.
   *
   * @throws IllegalStateException if the connection is inside a transaction
   * @throws SQLException if the position cannot be read (e.g. the connection is to a standby)
   */
  ReadToken writeToken(Connection primaryConnection) throws SQLException;

  /** {@link #writeToken(Connection)} on a connection of the router's own, for writes committed elsewhere. */
  ReadToken writeToken() throws SQLException;

  /**
   * The primary's WAL position now ({@code pg_current_wal_insert_lsn()}): at or past the end of
   * every transaction that committed before the call.
   */
  Lsn currentPrimaryLsn() throws SQLException;

  /** What the last checks found, per node, with each replica's rotation verdict now. */
  Status status();

  /** Stops the checks, removes the metrics and closes the pools the router created (not given ones). */
  @Override
  void close();

  /** How {@link #writeToken} gives clients read-your-writes. */
  enum ReadYourWrites {
    /** Carry the primary's WAL position; replicas that have replayed it may serve the client. */
    LSN_TOKEN,
    /** Pin the client's reads to the primary for {@code pinDuration} after each write. */
    TIME_PIN
  }

  /** Read-only work on a connection, for {@link #read}. */
  @FunctionalInterface
  interface ReadWork<T> {
    T read(Connection connection) throws SQLException;
  }

  /**
   * A routing decision.
   *
   * @param node the replica's name, or {@code primary}
   * @param primary whether it is the primary
   * @param reason why, e.g. {@code no replica in rotation}
   */
  record Route(String node, boolean primary, String reason) {}

  /**
   * The router's view of its nodes.
   *
   * @param primaryReachable whether the primary's last check answered
   * @param primaryLsn the primary's WAL write position at its last check ({@link Lsn#NONE} before one)
   * @param primaryError the last check's error, or null
   * @param replicas in the order they were configured
   */
  record Status(boolean primaryReachable, Lsn primaryLsn, String primaryError, List<ReplicaStatus> replicas) {
    /** The replica named {@code name}. @throws IllegalArgumentException if there is none */
    public ReplicaStatus replica(String name) {
      return replicas.stream().filter(r -> r.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no replica named '" + name + "'"));
    }
  }

  /**
   * One replica.
   *
   * @param name as configured
   * @param inRotation whether {@code any()} reads may go to it now
   * @param reason why (or why not)
   * @param reachable whether its last check answered
   * @param replayLsn replay position at the last successful check ({@link Lsn#NONE} before one)
   * @param replayPaused whether replay was paused at the last successful check
   * @param lagBytes WAL bytes behind the primary at that check, -1 if unknown
   * @param lag age of the oldest write it had not replayed at that check, null if unknown
   * @param checkAge time since that check, null before one
   */
  record ReplicaStatus(String name, boolean inRotation, String reason, boolean reachable, Lsn replayLsn,
      boolean replayPaused, long lagBytes, Duration lag, Duration checkAge) {}

  /**
   * Builds a {@link ReplicaRouter}. Setters reject nulls; {@link #build()} validates the rest and
   * quotes the bad value (JDBC URLs up to their query string, never passwords).
   */
  final class Builder {
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(1);
    public static final Duration DEFAULT_LAG_CHECK_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_PIN_DURATION = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_REPLICA_CONNECTION_TIMEOUT = Duration.ofMillis(250);
    public static final int DEFAULT_POOL_SIZE = 10;
    /** The name of the primary in routes and in {@code hotset_replica_reads_total{target}}. */
    public static final String PRIMARY = "primary";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern NEXT_URL = Pattern.compile(",(?=\\s*jdbc:)");

    private RouterConfig.Node primary;
    private final List<RouterConfig.Node> replicas = new ArrayList<>();
    private Duration maxLag = DEFAULT_MAX_LAG;
    private long maxLagBytes = Long.MAX_VALUE;
    private Duration lagCheckInterval = DEFAULT_LAG_CHECK_INTERVAL;
    private ReadYourWrites readYourWrites = ReadYourWrites.LSN_TOKEN;
    private Duration pinDuration = DEFAULT_PIN_DURATION;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration replicaConnectionTimeout = DEFAULT_REPLICA_CONNECTION_TIMEOUT;
    private int poolSize = DEFAULT_POOL_SIZE;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private Ticker ticker = Ticker.system();

    private Builder() {}

    /** The primary, as a data source the caller owns (the router never closes it). */
    public Builder primary(DataSource dataSource) {
      this.primary = RouterConfig.Node.of(PRIMARY, Objects.requireNonNull(dataSource, "primary dataSource"));
      return this;
    }

    /**
     * The primary by JDBC URL; the router builds and closes a HikariCP pool for it. An empty
     * password means none (e.g. trust or certificate authentication).
     */
    public Builder primary(String jdbcUrl, String user, String password) {
      this.primary = RouterConfig.Node.of(PRIMARY, Objects.requireNonNull(jdbcUrl, "primary jdbcUrl"),
          Objects.requireNonNull(user, "primary user"), Objects.requireNonNull(password, "primary password"));
      return this;
    }

    /** A replica, as a data source the caller owns. Names appear in metrics and routes. */
    public Builder replica(String name, DataSource dataSource) {
      replicas.add(RouterConfig.Node.of(Objects.requireNonNull(name, "replica name"),
          Objects.requireNonNull(dataSource, "replica dataSource")));
      return this;
    }

    /** A replica by JDBC URL; the router builds and closes its pool. */
    public Builder replica(String name, String jdbcUrl, String user, String password) {
      replicas.add(RouterConfig.Node.of(Objects.requireNonNull(name, "replica name"),
          Objects.requireNonNull(jdbcUrl, "replica jdbcUrl"), Objects.requireNonNull(user, "replica user"),
          Objects.requireNonNull(password, "replica password")));
      return this;
    }

    /**
     * Replicas from a comma-separated list of JDBC URLs (as in {@code HOTSET_DB_REPLICA_URLS}),
     * named {@code replica1}, {@code replica2}, ... A comma splits URLs only before
     * {@code jdbc:}, so multi-host URLs survive. Blank: no replicas.
     */
    public Builder replicaUrls(String commaSeparatedJdbcUrls, String user, String password) {
      Objects.requireNonNull(commaSeparatedJdbcUrls, "replicaUrls");
      if (commaSeparatedJdbcUrls.isBlank()) {
        return this;
      }
      String[] urls = NEXT_URL.split(commaSeparatedJdbcUrls.strip());
      for (String url : urls) {
        replica("replica" + (replicas.size() + 1), url.strip(), user, password);
      }
      return this;
    }

    /** Replicas lagging more than this leave rotation. Default 1 s. */
    public Builder maxLag(Duration maxLag) {
      this.maxLag = Objects.requireNonNull(maxLag, "maxLag");
      return this;
    }

    /** Replicas more than this many WAL bytes behind also leave rotation. Default: no byte bound. */
    public Builder maxLagBytes(long maxLagBytes) {
      this.maxLagBytes = maxLagBytes;
      return this;
    }

    /** How often every node is checked. Default 100 ms; must be less than half of {@code maxLag}. */
    public Builder lagCheckInterval(Duration interval) {
      this.lagCheckInterval = Objects.requireNonNull(interval, "lagCheckInterval");
      return this;
    }

    /** What {@link ReplicaRouter#writeToken} hands out. Default {@link ReadYourWrites#LSN_TOKEN}. */
    public Builder readYourWrites(ReadYourWrites mode) {
      this.readYourWrites = Objects.requireNonNull(mode, "readYourWrites");
      return this;
    }

    /** How long a {@link ReadYourWrites#TIME_PIN} pin lasts. Default 5 s. */
    public Builder pinDuration(Duration pinDuration) {
      this.pinDuration = Objects.requireNonNull(pinDuration, "pinDuration");
      return this;
    }

    /**
     * How long the primary's pool (if the router builds it) waits for a connection, at least
     * 250 ms (HikariCP's minimum); also the checks' connect timeout. Default 1 s.
     */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = Objects.requireNonNull(timeout, "connectionTimeout");
      return this;
    }

    /**
     * How long a replica's pool (if the router builds it) waits for a connection before the read
     * moves on to the next replica or the primary, at least 250 ms. Default 250 ms: a read routed
     * to a replica that dies at that moment, or whose pool is exhausted, is delayed that long at
     * most. A replica whose pool is merely exhausted stays in rotation.
     */
    public Builder replicaConnectionTimeout(Duration timeout) {
      this.replicaConnectionTimeout = Objects.requireNonNull(timeout, "replicaConnectionTimeout");
      return this;
    }

    /** Maximum connections of each pool the router builds. Default 10. */
    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** Where the metrics go. Default: Micrometer's global registry. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /** Time for lag, check ages and pins (wall clock). Default: the system ticker. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the router and starts its checks. Does not wait for any node: until the first
     * checks answer (about one interval), reads go to the primary.
     *
     * @throws IllegalArgumentException for a missing primary, malformed URLs, bad or duplicate
     *     names, non-positive durations, a check interval not below half of {@code maxLag}
     */
    public ReplicaRouter build() {
      if (primary == null) {
        throw new IllegalArgumentException("a primary is required: primary(dataSource) or primary(url, user, password)");
      }
      positive("maxLag", maxLag);
      positive("lagCheckInterval", lagCheckInterval);
      positive("pinDuration", pinDuration);
      if (lagCheckInterval.multipliedBy(2).compareTo(maxLag) >= 0) {
        throw new IllegalArgumentException("lagCheckInterval must be less than half of maxLag (" + maxLag
            + "), was " + lagCheckInterval);
      }
      atLeast250Millis("connectionTimeout", connectionTimeout);
      atLeast250Millis("replicaConnectionTimeout", replicaConnectionTimeout);
      if (maxLagBytes < 0) {
        throw new IllegalArgumentException("maxLagBytes must not be negative, was " + maxLagBytes);
      }
      if (poolSize < 1 || poolSize > 1000) {
        throw new IllegalArgumentException("poolSize must be between 1 and 1000, was " + poolSize);
      }
      Map<String, RouterConfig.Node> byName = new LinkedHashMap<>();
      for (RouterConfig.Node r : replicas) {
        if (!NAME.matcher(r.name()).matches()) {
          throw new IllegalArgumentException("replica name must match " + NAME + ", was " + Lsn.quote(r.name()));
        }
        if (r.name().equals(PRIMARY)) {
          throw new IllegalArgumentException("replica name 'primary' is reserved for the primary");
        }
        if (byName.put(r.name(), r) != null) {
          throw new IllegalArgumentException("two replicas are named '" + r.name() + "'");
        }
      }
      primary.validate();
      replicas.forEach(RouterConfig.Node::validate);
      return DefaultReplicaRouter.start(new RouterConfig(primary, List.copyOf(replicas), maxLag, maxLagBytes,
          lagCheckInterval, readYourWrites, pinDuration, connectionTimeout, replicaConnectionTimeout, poolSize,
          meterRegistry, ticker));
    }

    private static void atLeast250Millis(String name, Duration d) {
      if (d.compareTo(Duration.ofMillis(250)) < 0) {
        throw new IllegalArgumentException(name + " must be at least 250 ms (HikariCP's minimum), was " + d);
      }
    }

    private static void positive(String name, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
    }
  }
}
