package io.hotset.postgres.internal.cdc;

import io.hotset.Hotset;
import io.hotset.postgres.ChangeListener;
import io.hotset.postgres.EdgePurgeHook;
import io.hotset.postgres.RowChange;
import io.hotset.postgres.SlotPolicy;
import io.hotset.postgres.TableMapping;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The change-data-capture consumer behind {@link io.hotset.postgres.ChangeCapture}.
 *
 * <p>One thread runs everything, so the order of the log is the order of the fan-out:
 * <ol>
 *   <li>Standby: every poll interval, try {@code pg_try_advisory_lock} on a plain session. The
 *       lock lives as long as that session, so a dead leader's lock goes with its socket.</li>
 *   <li>Leader: open a replication connection and stream the slot from its confirmed
 *       position. Whole transactions are gathered into a batch (up to maxBatchChanges, or
 *       until the stream has nothing pending); an unfinished transaction is never fanned out.</li>
 *   <li>Flush a batch: listeners (view maintenance), then invalidations region by region
 *       through {@link Hotset#invalidateConfirmed} (L2 delete revoking leases, broadcast),
 *       then the edge purge; only then acknowledge the batch's last commit end LSN. A failure
 *       retries the same batch with backoff (everything in it is idempotent) while status
 *       updates keep the stream alive; if the slot's retained WAL passes the bound,
 *       {@link SlotPolicy} decides.</li>
 *   <li>Every second the leader checks its lock session is alive (else it steps down and
 *       closes the stream, whose slot the next leader will need) and measures retained WAL.</li>
 * </ol>
 * Two leaders at once are excluded twice over: by the lock, and by the server, which lets only
 * one connection stream a slot.
 */
public final class CdcEngine implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CdcEngine.class.getName());
  private static final int INVALIDATION_CHUNK = 500;
  private static final long MONITOR_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Everything the builder collected. */
  public record Config(String jdbcUrl, String user, String password, Hotset hotset, List<TableMapping> tables,
      List<ChangeListener> listeners, EdgePurgeHook edgePurge, String slotName, String publication,
      boolean replicaIdentityFull, long maxRetainedWalBytes, SlotPolicy slotPolicy, Consumer<String> onGap,
      MeterRegistry registry, Duration leaderPollInterval, Duration retryBackoff, Duration maxRetryBackoff,
      int maxBatchChanges, String instanceName) {}

  private final Config config;
  private final Map<String, TableMapping> byTable = new HashMap<>();
  private final long lockKey;
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean leader;
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong retained = new AtomicLong(-1);
  private volatile boolean alarm;
  private final AtomicLong processed = new AtomicLong();

  private final Timer lag;
  private final Counter batchesOk;
  private final Counter batchesFailed;
  private final Counter gaps;
  private final Counter invisibleWaits;
  private final MeterRegistry registry;

  private Connection lockConn;
  private Connection replConn;
  private PGReplicationStream stream;
  private long lastMonitor;

  private CdcEngine(Config config) {
    this.config = config;
    for (TableMapping t : config.tables()) {
      byTable.put(t.qualifiedName(), t);
    }
    this.lockKey = lockKey(config.slotName());
    this.registry = config.registry();
    this.lag = Timer.builder("hotset.cdc.lag").description("source commit to completed invalidation fan-out")
        .publishPercentileHistogram().publishPercentiles(0.5, 0.99).minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    this.batchesOk = Counter.builder("hotset.cdc.batches").tag("outcome", "ok").register(registry);
    this.batchesFailed = Counter.builder("hotset.cdc.batches").tag("outcome", "failed").register(registry);
    this.gaps = Counter.builder("hotset.cdc.gaps").description("batches skipped by SlotPolicy.SKIP_AHEAD")
        .register(registry);
    this.invisibleWaits = Counter.builder("hotset.cdc.visibility.waits")
        .description("times a batch waited for its commits to become visible to new snapshots").register(registry);
    Gauge.builder("hotset.cdc.leader", this, e -> e.leader ? 1 : 0).tag("slot", config.slotName())
        .register(registry);
    Gauge.builder("hotset.cdc.slot.retained", retained, AtomicLong::get).baseUnit("bytes")
        .tag("slot", config.slotName()).register(registry);
    Gauge.builder("hotset.cdc.slot.alarm", this, e -> e.alarm ? 1 : 0).tag("slot", config.slotName())
        .register(registry);
    this.thread = new Thread(this::run, "hotset-cdc-" + config.slotName());
    this.thread.setDaemon(true);
  }

  /** Prepares publication, slot and tables, then starts the consumer thread. */
  public static CdcEngine start(Config config) {
    CdcEngine engine = new CdcEngine(config);
    engine.prepare();
    engine.thread.start();
    return engine;
  }

  public boolean isLeader() {
    return leader;
  }

  public long acknowledgedLsn() {
    return acknowledged.get();
  }

  public long retainedWalBytes() {
    return retained.get();
  }

  public long changesProcessed() {
    return processed.get();
  }

  @Override
  public void close() {
    closed = true;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
    }
  }

  // ------------------------------------------------------------------------------ preparation

  /** User, password (null or empty: none) and a connect timeout: what every connection here needs. */
  private static Properties connectionProperties(String user, String password) {
    Properties props = new Properties();
    PGProperty.USER.set(props, user);
    if (password != null && !password.isEmpty()) {
      PGProperty.PASSWORD.set(props, password);
    }
    PGProperty.CONNECT_TIMEOUT.set(props, 5);
    return props;
  }

  private Connection plainConnection() throws SQLException {
    Properties props = connectionProperties(config.user(), config.password());
    PGProperty.APPLICATION_NAME.set(props, "hotset-cdc " + config.instanceName());
    PGProperty.TCP_KEEP_ALIVE.set(props, true);
    return DriverManager.getConnection(config.jdbcUrl(), props);
  }

  private void prepare() {
    for (TableMapping t : config.tables()) {
      for (String region : regionsOf(t)) {
        if (config.hotset().region(region).isEmpty()) {
          throw new IllegalStateException("mapping of " + t.qualifiedName() + " names region '" + region
              + "', which this Hotset does not have; create the region before starting change capture");
        }
      }
    }
    try (Connection c = plainConnection(); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
        rs.next();
        String level = rs.getString(1);
        if (!"logical".equals(level)) {
          throw new IllegalStateException("change capture needs wal_level=logical on the primary, it is '" + level
              + "' (set it in postgresql.conf and restart the server)");
        }
      }
      for (TableMapping t : config.tables()) {
        Set<String> cols = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
          ps.setString(1, t.schema());
          ps.setString(2, t.table());
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              cols.add(rs.getString(1));
            }
          }
        }
        if (cols.isEmpty()) {
          throw new IllegalStateException("mapped table " + t.qualifiedName() + " does not exist");
        }
        for (String col : t.columns()) {
          if (!cols.contains(col)) {
            throw new IllegalStateException("mapping of " + t.qualifiedName() + " names column '" + col
                + "', which the table lacks; it has " + cols);
          }
        }
        if (config.replicaIdentityFull()) {
          st.execute("ALTER TABLE " + quoted(t) + " REPLICA IDENTITY FULL");
        }
      }
      ensurePublication(c);
      ensureSlot(c);
    } catch (SQLException e) {
      throw new IllegalStateException("change capture could not prepare " + config.jdbcUrl() + ": " + e.getMessage(),
          e);
    }
  }

  private void ensurePublication(Connection c) throws SQLException {
    boolean exists;
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, config.publication());
      try (ResultSet rs = ps.executeQuery()) {
        exists = rs.next();
      }
    }
    List<String> tables = new ArrayList<>();
    for (TableMapping t : config.tables()) {
      tables.add(quoted(t));
    }
    try (Statement st = c.createStatement()) {
      if (!exists) {
        try {
          st.execute("CREATE PUBLICATION " + config.publication() + " FOR TABLE " + String.join(", ", tables));
          return;
        } catch (SQLException e) {
          if (!"42710".equals(e.getSQLState())) { // duplicate_object: another instance won the race
            throw e;
          }
        }
      }
      Set<String> published = new LinkedHashSet<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
        ps.setString(1, config.publication());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            published.add(rs.getString(1) + "." + rs.getString(2));
          }
        }
      }
      for (TableMapping t : config.tables()) {
        if (!published.contains(t.qualifiedName())) {
          try {
            st.execute("ALTER PUBLICATION " + config.publication() + " ADD TABLE " + quoted(t));
          } catch (SQLException e) {
            if (!"42710".equals(e.getSQLState())) {
              throw e;
            }
          }
        }
      }
    }
  }

  private void ensureSlot(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT plugin, database FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, config.slotName());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (!"pgoutput".equals(rs.getString(1))) {
            throw new IllegalStateException("replication slot '" + config.slotName() + "' exists with plugin '"
                + rs.getString(1) + "', not pgoutput; pick another slotName or drop it");
          }
          return;
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
      ps.setString(1, config.slotName());
      ps.execute();
      LOG.log(System.Logger.Level.INFO, "created replication slot " + config.slotName());
    } catch (SQLException e) {
      if (!"42710".equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  public static void dropSlot(String jdbcUrl, String user, String password, String slotName, String publication) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, connectionProperties(user, password)); Statement st = c.createStatement()) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
        ps.setString(1, slotName);
        ps.execute();
      }
      st.execute("DROP PUBLICATION IF EXISTS " + publication);
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop slot '" + slotName + "': " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------ the loop

  private void run() {
    long backoff = config.retryBackoff().toNanos();
    while (!closed) {
      try {
        if (!leader) {
          if (!tryLead()) {
            monitor(false);
            sleepNanos(config.leaderPollInterval().toNanos());
            continue;
          }
        }
        consume();
        backoff = config.retryBackoff().toNanos();
      } catch (Exception e) {
        if (closed) {
          break;
        }
        LOG.log(System.Logger.Level.WARNING, "change capture (" + config.instanceName() + "): " + e.getMessage()
            + "; retrying in " + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms");
        closeStream();
        if (!lockAlive()) {
          stepDown();
        }
        sleepNanos(backoff);
        backoff = Math.min(backoff * 2, config.maxRetryBackoff().toNanos());
      }
    }
    closeStream();
    stepDown();
  }

  private boolean tryLead() {
    try {
      if (lockConn == null || !lockConn.isValid(2)) {
        closeQuietly(lockConn);
        lockConn = plainConnection();
      }
      try (PreparedStatement ps = lockConn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, lockKey);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            leader = true;
            LOG.log(System.Logger.Level.INFO, "change capture: " + config.instanceName() + " is the consumer of slot "
                + config.slotName());
            return true;
          }
        }
      }
    } catch (SQLException e) {
      LOG.log(System.Logger.Level.DEBUG, "leader lock attempt failed: " + e.getMessage());
      closeQuietly(lockConn);
      lockConn = null;
    }
    return false;
  }

  private boolean lockAlive() {
    try {
      return lockConn != null && lockConn.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private void stepDown() {
    if (leader) {
      LOG.log(System.Logger.Level.INFO, "change capture: " + config.instanceName() + " stops consuming");
    }
    leader = false;
    closeQuietly(lockConn); // ends the session, which releases the advisory lock
    lockConn = null;
  }

  private void openStream() throws SQLException {
    Properties props = connectionProperties(config.user(), config.password());
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
    PGProperty.REPLICATION.set(props, "database");
    PGProperty.PREFER_QUERY_MODE.set(props, "simple");
    PGProperty.APPLICATION_NAME.set(props, "hotset-cdc " + config.instanceName());
    replConn = DriverManager.getConnection(config.jdbcUrl(), props);
    stream = replConn.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
        .withSlotName(config.slotName())
        .withSlotOption("proto_version", "1")
        .withSlotOption("publication_names", config.publication())
        .withStatusInterval(1, TimeUnit.SECONDS)
        .start();
  }

  private void closeStream() {
    if (stream != null) {
      try {
        stream.close();
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing replication stream: " + e.getMessage());
      }
      stream = null;
    }
    closeQuietly(replConn);
    replConn = null;
  }

  /** Streams and fans out until closed or something fails (which throws). */
  private void consume() throws Exception {
    openStream();
    PgOutput decoder = new PgOutput();
    List<RowChange> txn = null;
    long txnCommitMillis = 0;
    int txnXid = 0;
    Batch batch = new Batch();
    while (!closed) {
      monitor(true);
      ByteBuffer msg = stream.readPending();
      if (msg == null) {
        if (!batch.isEmpty()) {
          flush(batch);
          batch = new Batch();
        } else if (txn == null) {
          // Idle between transactions: everything received is handled, so the server may
          // forget it (keeps retained WAL near zero when unpublished tables are written).
          LogSequenceNumber last = stream.getLastReceiveLSN();
          if (last.asLong() > acknowledged.get()) {
            acknowledge(last.asLong(), false);
          }
        }
        Thread.sleep(1);
        continue;
      }
      PgOutput.Message m = decoder.decode(msg);
      if (m instanceof PgOutput.Begin b) {
        txn = new ArrayList<>();
        txnCommitMillis = b.commitTimeMillis();
        txnXid = b.xid();
      } else if (m instanceof PgOutput.Row r) {
        if (txn == null) {
          throw new IllegalStateException("pgoutput row outside a transaction");
        }
        RowChange.Op op = r.op() == 'I' ? RowChange.Op.INSERT : r.op() == 'U' ? RowChange.Op.UPDATE
            : RowChange.Op.DELETE;
        txn.add(new RowChange(r.relation().schema(), r.relation().name(), op, r.before(), r.after(), 0,
            txnCommitMillis));
      } else if (m instanceof PgOutput.Truncate t) {
        StringBuilder names = new StringBuilder();
        for (PgOutput.Relation rel : t.relations()) {
          names.append(rel.schema()).append('.').append(rel.name()).append(' ');
        }
        LOG.log(System.Logger.Level.WARNING, "TRUNCATE of " + names.toString().trim() + " seen: change capture "
            + "cannot name the rows; their cache entries stay until their TTL");
        gaps.increment();
        config.onGap().accept("truncate " + names.toString().trim());
      } else if (m instanceof PgOutput.Commit c) {
        if (txn != null) {
          List<RowChange> stamped = new ArrayList<>(txn.size());
          for (RowChange rc : txn) {
            stamped.add(new RowChange(rc.schema(), rc.table(), rc.op(), rc.before(), rc.after(), c.endLsn(),
                c.commitTimeMillis()));
          }
          batch.add(stamped, c.endLsn(), c.commitTimeMillis(), txnXid);
        }
        txn = null;
        if (batch.size() >= config.maxBatchChanges()) {
          flush(batch);
          batch = new Batch();
        }
      }
    }
  }

  /** Transactions gathered for one fan-out. */
  private static final class Batch {
    final List<RowChange> changes = new ArrayList<>();
    final List<Long> commitTimes = new ArrayList<>();
    final List<Long> xids = new ArrayList<>();
    long endLsn;
    int transactions;

    void add(List<RowChange> txn, long endLsn, long commitMillis, int xid) {
      changes.addAll(txn);
      commitTimes.add(commitMillis);
      xids.add(Integer.toUnsignedLong(xid));
      this.endLsn = Math.max(this.endLsn, endLsn);
      transactions++;
    }

    boolean isEmpty() {
      return transactions == 0;
    }

    int size() {
      return changes.size();
    }
  }

  /** Listeners, invalidation, purge, acknowledgement; retried until done, closed or skipped. */
  private void flush(Batch batch) throws Exception {
    long backoff = config.retryBackoff().toNanos();
    while (true) {
      try {
        fanOut(batch);
        batchesOk.increment();
        long now = System.currentTimeMillis();
        for (long commit : batch.commitTimes) {
          lag.record(Math.max(0, now - commit), TimeUnit.MILLISECONDS);
        }
        processed.addAndGet(batch.size());
        acknowledge(batch.endLsn, true);
        return;
      } catch (Exception e) {
        batchesFailed.increment();
        if (closed) {
          throw e;
        }
        if (!lockAlive()) {
          throw new IllegalStateException("lost the leader lock while retrying a batch", e);
        }
        monitor(true);
        if (alarm && config.slotPolicy() == SlotPolicy.SKIP_AHEAD) {
          String what = batch.transactions + " transaction(s), " + batch.size() + " change(s) up to LSN "
              + LogSequenceNumber.valueOf(batch.endLsn) + " skipped: slot retains " + retained.get()
              + " bytes, over the bound " + config.maxRetainedWalBytes() + "; fan-out kept failing: " + e;
          LOG.log(System.Logger.Level.ERROR, "change capture: " + what);
          gaps.increment();
          config.onGap().accept(what);
          acknowledge(batch.endLsn, true);
          return;
        }
        LOG.log(System.Logger.Level.WARNING, "change capture: fan-out of " + batch.size() + " change(s) failed ("
            + e + "); retrying in " + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms");
        long until = System.nanoTime() + backoff;
        while (System.nanoTime() < until && !closed) {
          stream.forceUpdateStatus(); // keep the walsender from timing us out
          sleepNanos(Math.min(until - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(200)));
        }
        backoff = Math.min(backoff * 2, config.maxRetryBackoff().toNanos());
      }
    }
  }

  private void fanOut(Batch batch) throws Exception {
    awaitVisible(batch);
    for (ChangeListener l : config.listeners()) {
      l.onChanges(List.copyOf(batch.changes));
    }
    Map<String, LinkedHashSet<String>> keys = new LinkedHashMap<>();
    Map<String, LinkedHashSet<String>> tags = new LinkedHashMap<>();
    Set<String> surrogates = new LinkedHashSet<>();
    Map<String, Counter> perTable = new HashMap<>();
    for (RowChange rc : batch.changes) {
      TableMapping mapping = byTable.get(rc.qualifiedTable());
      if (mapping == null) {
        continue; // published but not mapped (another consumer's table, or one mapped earlier)
      }
      perTable.computeIfAbsent(rc.qualifiedTable(), t -> Counter.builder("hotset.cdc.changes").tag("table", t)
          .register(registry)).increment();
      mapping.render(rc,
          (region, key) -> keys.computeIfAbsent(region, r -> new LinkedHashSet<>()).add(key),
          (region, tag) -> tags.computeIfAbsent(region, r -> new LinkedHashSet<>()).add(tag),
          surrogates::add);
    }
    long changedAt = batch.commitTimes.isEmpty() ? System.currentTimeMillis() : batch.commitTimes.get(0);
    Set<String> regions = new LinkedHashSet<>(keys.keySet());
    regions.addAll(tags.keySet());
    for (String region : regions) {
      List<String> ks = new ArrayList<>(keys.getOrDefault(region, new LinkedHashSet<>()));
      List<String> ts = new ArrayList<>(tags.getOrDefault(region, new LinkedHashSet<>()));
      int i = 0;
      do {
        List<String> chunk = ks.subList(i, Math.min(ks.size(), i + INVALIDATION_CHUNK));
        // the batch's last commit end: fills after this read a copy that has replayed every change of it
        config.hotset().invalidateConfirmed(region, chunk, i == 0 ? ts : List.of(), "cdc", changedAt, batch.endLsn);
        i += INVALIDATION_CHUNK;
      } while (i < ks.size());
    }
    if (!surrogates.isEmpty()) {
      config.edgePurge().purge(surrogates);
    }
  }

  /**
   * Waits until the batch's transactions are visible to new snapshots. PostgreSQL writes (and
   * decodes) a commit record before the committing backend leaves the proc array, so for a
   * moment a session that starts now may still see the old rows. A reader that refilled a cache
   * in that moment, right after our invalidation, would put the old value back until its TTL;
   * a view recomputed then would miss the change. One query per batch, almost always true at
   * once.
   */
  private void awaitVisible(Batch batch) throws SQLException, InterruptedException {
    if (batch.xids.isEmpty() || lockConn == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (PreparedStatement ps = lockConn.prepareStatement(VISIBLE_SQL)) {
      ps.setArray(1, lockConn.createArrayOf("bigint", batch.xids.toArray()));
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
        invisibleWaits.increment();
        if (System.nanoTime() > deadline) {
          throw new SQLException("committed transactions " + batch.xids + " not visible to new snapshots after 10 s");
        }
        Thread.sleep(1);
      }
    }
  }

  /**
   * True when every (32-bit) xid of the array is visible in a snapshot taken now. The 64-bit
   * txid is rebuilt from the snapshot's xmax: an xid above xmax's low half is from the previous
   * epoch. txid_* functions exist from PostgreSQL 9.4 on (13+ keeps them beside pg_snapshot).
   */
  static final String VISIBLE_SQL = "SELECT coalesce(bool_and(txid_visible_in_snapshot("
      + "(((c.cur >> 32) - CASE WHEN x > (c.cur & 4294967295) THEN 1 ELSE 0 END) << 32) | x, c.snap)), true) "
      + "FROM (SELECT snap, txid_snapshot_xmax(snap) AS cur FROM (SELECT txid_current_snapshot() AS snap) s) c, "
      + "unnest(?::bigint[]) AS x";

  private void acknowledge(long lsn, boolean force) throws SQLException {
    LogSequenceNumber l = LogSequenceNumber.valueOf(lsn);
    stream.setAppliedLSN(l);
    stream.setFlushedLSN(l);
    acknowledged.accumulateAndGet(lsn, Math::max);
    if (force) {
      stream.forceUpdateStatus();
    }
  }

  /** At most once a second: is the lock session alive (leader), how much WAL does the slot keep. */
  private void monitor(boolean asLeader) throws SQLException {
    long now = System.nanoTime();
    if (now - lastMonitor < MONITOR_INTERVAL_NANOS) {
      return;
    }
    lastMonitor = now;
    Connection c = lockConn;
    if (c == null) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), "
        + "confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, config.slotName());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          long bytes = rs.getLong(1);
          retained.set(bytes);
          boolean over = bytes > config.maxRetainedWalBytes();
          if (over && !alarm) {
            LOG.log(System.Logger.Level.ERROR, "replication slot " + config.slotName() + " retains " + bytes
                + " bytes of WAL, over the bound " + config.maxRetainedWalBytes() + " (policy "
                + config.slotPolicy() + ")");
          }
          alarm = over;
        }
      }
    } catch (SQLException e) {
      if (asLeader) {
        throw new SQLException("leader lock session failed: " + e.getMessage(), e.getSQLState(), e);
      }
      closeQuietly(lockConn);
      lockConn = null;
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private static Set<String> regionsOf(TableMapping t) {
    Set<String> regions = new LinkedHashSet<>();
    RowChange probe = null;
    // Render with an image holding every column to learn the regions the mapping names.
    Map<String, String> all = new LinkedHashMap<>();
    for (String col : t.columns()) {
      all.put(col, "0");
    }
    probe = new RowChange(t.schema(), t.table(), RowChange.Op.INSERT, Map.of(), all, 0, 0);
    t.render(probe, (region, key) -> regions.add(region), (region, tag) -> regions.add(region), s -> { });
    return regions;
  }

  private static String quoted(TableMapping t) {
    return "\"" + t.schema() + "\".\"" + t.table() + "\"";
  }

  /** A stable 64-bit lock id per slot name (FNV-1a), so every instance picks the same one. */
  static long lockKey(String slotName) {
    long h = 0xcbf29ce484222325L;
    for (byte b : ("hotset-cdc:" + slotName).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing connection: " + e.getMessage());
      }
    }
  }

  private static void sleepNanos(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
