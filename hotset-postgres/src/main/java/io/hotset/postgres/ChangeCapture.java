package io.hotset.postgres;

import io.hotset.Hotset;
import io.hotset.postgres.internal.cdc.CdcEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Invalidation from PostgreSQL's write-ahead log: catches every committed change, including
 * those that bypass the application (migrations, admin tools, other services), maps each row
 * change to cache keys and tags ({@link TableMapping}), hands it to {@link ChangeListener}s
 * (view maintenance) and fans the invalidation out (L2 delete with lease revocation, L1
 * broadcast, edge purge). The log position is acknowledged only after that succeeded, so a
 * restart resumes without loss (at least once; duplicates are harmless).
 *
 * <p>Runs on logical replication ({@code pgoutput}, PostgreSQL 10+, {@code wal_level=logical},
 * a role with {@code REPLICATION}) through PgJDBC's replication API. It creates (or reuses) its
 * publication and its persistent slot. Any number of instances may run it against one
 * database: they elect one consumer with a session advisory lock; when that instance dies its
 * lock is released with its connection and another takes over within
 * {@link Builder#leaderPollInterval} plus the time the server needs to end the old stream.
 *
 * <pre>{@code
 * ChangeCapture cdc = ChangeCapture.builder()
 *     .jdbcUrl("jdbc:postgresql://db:5432/shop").user("app").password(secret)
 *     .hotset(hotset)
 *     .table(TableMapping.table("products").key("product", "{product_id}").build())
 *     .start();
 * }</pre>
 *
 * <p>Metrics: {@code hotset_cdc_lag_seconds} (commit to completed fan-out),
 * {@code hotset_cdc_changes_total{table}}, {@code hotset_cdc_batches_total{outcome}},
 * {@code hotset_cdc_leader}, {@code hotset_cdc_slot_retained_bytes},
 * {@code hotset_cdc_slot_alarm}, {@code hotset_cdc_gaps_total}; the regions count the
 * invalidations as {@code hotset_invalidations_total{source="cdc"}}.
 */
public final class ChangeCapture implements AutoCloseable {
  private final CdcEngine engine;

  private ChangeCapture(CdcEngine engine) {
    this.engine = engine;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether this instance currently holds the consumer role. */
  public boolean isLeader() {
    return engine.isLeader();
  }

  /** The last log position this instance acknowledged (0 before the first). */
  public long acknowledgedLsn() {
    return engine.acknowledgedLsn();
  }

  /** WAL the slot retains as last measured, in bytes (-1 before the first measurement). */
  public long retainedWalBytes() {
    return engine.retainedWalBytes();
  }

  /** Row changes this instance has fanned out since it started. */
  public long changesProcessed() {
    return engine.changesProcessed();
  }

  /** Stops consuming (releasing leadership) and closes its connections; the slot stays. */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Drops the slot and the publication (for tests and decommissioning). Without a slot the
   * server keeps no WAL for this consumer; the next start creates it afresh.
   */
  public static void dropSlot(String jdbcUrl, String user, String password, String slotName, String publication) {
    CdcEngine.dropSlot(jdbcUrl, user, password, slotName, publication);
  }

  /** Builds and starts {@link ChangeCapture}. */
  public static final class Builder {
    private String jdbcUrl;
    private String user;
    private String password;
    private Hotset hotset;
    private final List<TableMapping> tables = new ArrayList<>();
    private final List<ChangeListener> listeners = new ArrayList<>();
    private EdgePurgeHook edgePurge = EdgePurgeHook.none();
    private String slotName = "hotset_cdc";
    private String publication = "hotset_cdc";
    private boolean replicaIdentityFull;
    private long maxRetainedWalBytes = 1L << 30;
    private SlotPolicy slotPolicy = SlotPolicy.ALARM;
    private Consumer<String> onGap = gap -> { };
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private Duration leaderPollInterval = Duration.ofMillis(500);
    private Duration retryBackoff = Duration.ofMillis(100);
    private Duration maxRetryBackoff = Duration.ofSeconds(5);
    private int maxBatchChanges = 2000;
    private String instanceName;

    private Builder() {}

    /** JDBC URL of the primary, {@code jdbc:postgresql://host:port/db}. */
    public Builder jdbcUrl(String jdbcUrl) {
      Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("jdbcUrl must start with 'jdbc:postgresql:', was '" + jdbcUrl + "'");
      }
      this.jdbcUrl = jdbcUrl;
      return this;
    }

    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /** The password; null or empty means none. */
    public Builder password(String password) {
      this.password = password == null || password.isEmpty() ? null : password;
      return this;
    }

    /** Where invalidations go (its regions, L2 and broadcast). */
    public Builder hotset(Hotset hotset) {
      this.hotset = Objects.requireNonNull(hotset, "hotset");
      return this;
    }

    public Builder table(TableMapping mapping) {
      Objects.requireNonNull(mapping, "mapping");
      for (TableMapping t : tables) {
        if (t.qualifiedName().equals(mapping.qualifiedName())) {
          throw new IllegalArgumentException("table " + mapping.qualifiedName() + " is mapped twice");
        }
      }
      tables.add(mapping);
      return this;
    }

    /** Runs before each batch's fan-out (e.g. a view maintainer). */
    public Builder listener(ChangeListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public Builder edgePurge(EdgePurgeHook hook) {
      this.edgePurge = Objects.requireNonNull(hook, "hook");
      return this;
    }

    /** The replication slot's name (default {@code hotset_cdc}); shared by all instances. */
    public Builder slotName(String slotName) {
      this.slotName = requireIdent("slotName", slotName);
      return this;
    }

    /** The publication's name (default {@code hotset_cdc}). */
    public Builder publication(String publication) {
      this.publication = requireIdent("publication", publication);
      return this;
    }

    /**
     * Sets {@code REPLICA IDENTITY FULL} on the mapped tables at start, so updates and deletes
     * carry the whole old row (needed when templates use non-key columns, such as a product's
     * old category). Off by default: it changes the tables and costs WAL volume.
     */
    public Builder replicaIdentityFull(boolean full) {
      this.replicaIdentityFull = full;
      return this;
    }

    /** The most WAL the slot may retain before {@code policy} applies (default 1 GiB, ALARM). */
    public Builder maxRetainedWal(long bytes, SlotPolicy policy) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxRetainedWal must be positive, was " + bytes);
      }
      this.maxRetainedWalBytes = bytes;
      this.slotPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Told (with a description) when {@link SlotPolicy#SKIP_AHEAD} skipped changes. */
    public Builder onGap(Consumer<String> onGap) {
      this.onGap = Objects.requireNonNull(onGap, "onGap");
      return this;
    }

    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** How often a standby instance tries to become the consumer (default 500 ms). */
    public Builder leaderPollInterval(Duration interval) {
      this.leaderPollInterval = requirePositive("leaderPollInterval", interval);
      return this;
    }

    /** First and longest wait between retries of a failed batch (default 100 ms, 5 s). */
    public Builder retryBackoff(Duration first, Duration max) {
      this.retryBackoff = requirePositive("retryBackoff", first);
      this.maxRetryBackoff = requirePositive("maxRetryBackoff", max);
      if (max.compareTo(first) < 0) {
        throw new IllegalArgumentException("maxRetryBackoff " + max + " is below retryBackoff " + first);
      }
      return this;
    }

    /** Row changes gathered into one fan-out at most (default 2000). */
    public Builder maxBatchChanges(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxBatchChanges must be at least 1, was " + max);
      }
      this.maxBatchChanges = max;
      return this;
    }

    /** A name for logs and the leader gauge (default: the Hotset's instance id). */
    public Builder instanceName(String name) {
      this.instanceName = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Creates the publication and slot if missing, checks the mapped columns exist, and starts
     * the consumer thread (which becomes leader or stands by).
     *
     * @throws IllegalStateException naming what is missing or wrong (URL, user, tables, columns,
     *     wal_level)
     */
    public ChangeCapture start() {
      if (jdbcUrl == null) {
        throw new IllegalStateException("jdbcUrl is required");
      }
      if (user == null) {
        throw new IllegalStateException("user is required");
      }
      if (hotset == null) {
        throw new IllegalStateException("hotset is required");
      }
      if (tables.isEmpty()) {
        throw new IllegalStateException("map at least one table");
      }
      CdcEngine.Config config = new CdcEngine.Config(jdbcUrl, user, password, hotset, List.copyOf(tables),
          List.copyOf(listeners), edgePurge, slotName, publication, replicaIdentityFull, maxRetainedWalBytes,
          slotPolicy, onGap, meterRegistry, leaderPollInterval, retryBackoff, maxRetryBackoff, maxBatchChanges,
          instanceName != null ? instanceName : hotset.instanceId());
      return new ChangeCapture(CdcEngine.start(config));
    }

    private static String requireIdent(String what, String value) {
      if (value == null || !value.matches("[a-z_][a-z0-9_]{0,62}")) {
        throw new IllegalArgumentException(what + " must be a lower-case identifier (a-z, 0-9, _; at most 63), was '"
            + value + "'");
      }
      return value;
    }

    private static Duration requirePositive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
