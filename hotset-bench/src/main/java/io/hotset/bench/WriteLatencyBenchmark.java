package io.hotset.bench;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.WritePolicy;
import io.hotset.redis.HotsetRedis;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.ValueCodec;
import io.hotset.spi.WriteBehindSink;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one write under each write policy against a plain source write, in the same
 * run, on a real PostgreSQL 15 (and, for the region policies, a real {@code redis-server}) that
 * each trial starts on free loopback ports (hotset-testkit) and stops in its tear-down.
 *
 * <p>The source is a table of {@value #ROWS} products; every variant writes a new price to a
 * uniformly drawn id (the same sequence of ids and prices in every variant):
 * <ul>
 *   <li>{@code source}: {@code UPDATE products SET price_cents = ?, version = version + 1 WHERE id = ?
 *       RETURNING version}, autocommit, on a connection kept per thread (PgJDBC). PostgreSQL runs
 *       durable ({@code fsync=on}, {@code synchronous_commit=on}): a commit waits for its WAL fsync.
 *   <li>{@code source-nofsync}: the same on the testkit's default PostgreSQL ({@code fsync=off}):
 *       a commit returns once the OS holds its WAL, which survives a crash of PostgreSQL but not
 *       of the machine, the durability of {@code write-behind-process}.
 *   <li>{@code invalidate}: {@code region.write(id, price)}, {@link WritePolicy#INVALIDATE}, whose
 *       {@link io.hotset.Writer} is that same update on the durable server; the region has L1 and
 *       a Redis L2 ({@code hotset-redis}) and broadcasts invalidations on Redis pub/sub, so the op
 *       is the source write plus the L2 delete (and the asynchronous publish).
 *   <li>{@code write-through}: the same with {@link WritePolicy#WRITE_THROUGH}: the source write,
 *       then the value with the version from {@code RETURNING version} stored where newer (an
 *       atomic compare-and-set in L2, then L1), plus the broadcast.
 *   <li>{@code write-behind-fsync} / {@code write-behind-process}: {@code WriteBehind.write(id, price)}
 *       into a file journal in a temp directory with {@code MACHINE_CRASH} (group-committed fsync)
 *       or {@code PROCESS_CRASH} durability; the op is the acknowledgement. A flusher applies the
 *       writes, coalesced per key, to the durable server every {@value #FLUSH_INTERVAL_MS} ms (or
 *       every {@value #MAX_BATCH} writes) with a sink that stores the rows and the journal
 *       checkpoint in one transaction, concurrently with the measured writes.
 * </ul>
 * {@code write_1thread} runs every variant on one thread; {@code write_4threads} runs the source and
 * the two write-behind variants on four threads, where one journal fsync covers every append that
 * arrived while the previous one ran (group commit). SampleTime: JMH reports p50/p90/p99.
 *
 * <p>The tear-down checks that the writes really happened: for the synchronous variants the sum of
 * the rows' versions equals the number of writes made; for write-behind, after a flush, the sink's
 * checkpoint equals the number of acknowledged writes, nothing is pending and (one thread) every
 * row holds the last price written to it; the regions had no tier errors.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class WriteLatencyBenchmark {
  static final int ROWS = 10_000;
  static final long FLUSH_INTERVAL_MS = 200;
  /**
   * Up to this many acknowledged writes merge into one sink transaction: well above {@link #ROWS},
   * so a batch coalesces to at most one row per product and the sink keeps up with the acks.
   */
  static final int MAX_BATCH = 100_000;
  static final String REGION = "product";
  static final String JOURNAL = "bench-prices";
  static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(2);

  static final String UPDATE = "UPDATE products SET price_cents = ?, version = version + 1 WHERE id = ? RETURNING version";

  /** A cached product row: what the region holds and what write-through stores. */
  public record Product(long id, long priceCents, long version) {}

  /** The variants, as the param names them. */
  enum Variant {
    SOURCE("source"), SOURCE_NOFSYNC("source-nofsync"), INVALIDATE("invalidate"), WRITE_THROUGH("write-through"),
    WRITE_BEHIND_FSYNC("write-behind-fsync"), WRITE_BEHIND_PROCESS("write-behind-process");

    final String param;

    Variant(String param) {
      this.param = param;
    }

    static Variant of(String param) {
      for (Variant v : values()) {
        if (v.param.equals(param)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown variant '" + param + "'");
    }

    boolean region() {
      return this == INVALIDATE || this == WRITE_THROUGH;
    }

    boolean writeBehind() {
      return this == WRITE_BEHIND_FSYNC || this == WRITE_BEHIND_PROCESS;
    }
  }

  /** One variant's servers and clients; the subclasses only differ in which variants they run. */
  public abstract static class Fixture {
    Variant kind;
    boolean trackLastPrice;
    PostgresServer postgres;
    RedisServer redis;
    SimpleMeterRegistry meters;
    HotsetRedis hotsetRedis;
    Hotset hotset;
    Region<Long, Product> region;
    WriteBehind<Long, Long> writeBehind;
    PgSink sink;
    Path journalDirectory;
    final ConcurrentLinkedQueue<Connection> connections = new ConcurrentLinkedQueue<>();
    final ThreadLocal<Source> source = ThreadLocal.withInitial(this::openSource);
    final LongAdder writes = new LongAdder();
    /** The last price written per id (one thread only), to check write-behind delivered it. */
    long[] lastPrice;

    void start(String param, int threads) throws Exception {
      kind = Variant.of(param);
      trackLastPrice = threads == 1;
      lastPrice = new long[ROWS];
      try {
        PostgresServer.Builder pg = PostgresServer.builder();
        if (kind != Variant.SOURCE_NOFSYNC) {
          // the testkit's default is fsync=off (fast tests); a source of truth commits durably
          pg.setting("fsync", "on").setting("full_page_writes", "on");
        }
        postgres = pg.start();
        createTable();
        meters = new SimpleMeterRegistry();
        if (kind.region()) {
          redis = RedisServer.startNew();
          hotsetRedis = HotsetRedis.builder().url(redis.uri()).keyPrefix("bench").meterRegistry(meters).build();
          hotset = Hotset.builder().meterRegistry(meters).l2(hotsetRedis.tier())
              .invalidationTransport(hotsetRedis.invalidations()).build();
          region = hotset.region(RegionSpec.builder(REGION, Long.class, Product.class)
              .ttl(Duration.ofHours(1))
              .maximumSize(ROWS)
              .version(Product::version)
              .loader(id -> source.get().load(id))
              .batchLoader(ids -> source.get().loadAll(ids))
              .writer((id, p) -> new Product(id, p.priceCents(), source.get().update(id, p.priceCents())))
              .writePolicy(kind == Variant.WRITE_THROUGH ? WritePolicy.WRITE_THROUGH : WritePolicy.INVALIDATE)
              .build());
          List<Long> ids = new ArrayList<>(ROWS);
          for (long id = 0; id < ROWS; id++) {
            ids.add(id);
            if (ids.size() == 1_000) {
              region.getAll(ids); // every product cached in L1 and L2 before the first write
              ids.clear();
            }
          }
        }
        if (kind.writeBehind()) {
          journalDirectory = Files.createTempDirectory("hotset-bench-journal");
          sink = new PgSink(postgres.jdbcUrl());
          writeBehind = WriteBehind.open(WriteBehindSpec.builder(JOURNAL, KeyFormat.standard(Long.class), LongText.INSTANCE)
              .sink(sink)
              .journalDirectory(journalDirectory)
              .journalDurability(kind == Variant.WRITE_BEHIND_FSYNC ? WriteBehindSpec.Durability.MACHINE_CRASH
                  : WriteBehindSpec.Durability.PROCESS_CRASH)
              .flushInterval(Duration.ofMillis(FLUSH_INTERVAL_MS))
              .maxBatch(MAX_BATCH)
              // backpressure (a full buffer blocks the writer) would show in the latencies: it is
              // not expected, the tear-down prints how much was pending at the end
              .maxPending(10 * MAX_BATCH)
              .maxBlock(Duration.ofSeconds(10))
              .shutdownTimeout(FLUSH_TIMEOUT)
              .meterRegistry(meters)
              .build());
        }
      } catch (Exception | Error e) {
        stop();
        throw e;
      }
    }

    private void createTable() throws SQLException {
      try (Connection c = connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE products (id bigint PRIMARY KEY, price_cents bigint NOT NULL, "
            + "version bigint NOT NULL)");
        s.execute("INSERT INTO products SELECT i, 1000, 0 FROM generate_series(0, " + (ROWS - 1) + ") AS i");
        s.execute("CREATE TABLE wb_checkpoint (journal text PRIMARY KEY, seq bigint NOT NULL)");
        s.execute("VACUUM ANALYZE products");
      }
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    private Source openSource() {
      try {
        Connection c = connect();
        connections.add(c);
        return new Source(c);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot connect to " + postgres.jdbcUrl(), e);
      }
    }

    /** The measured operation. */
    Object write(Cursor cursor) {
      long id = cursor.random.nextInt(ROWS);
      long price = cursor.random.nextInt(100, 1_000_000);
      Object out;
      switch (kind) {
        case SOURCE, SOURCE_NOFSYNC -> out = source.get().updateUnchecked(id, price);
        case INVALIDATE, WRITE_THROUGH -> out = region.write(id, new Product(id, price, 0));
        default -> {
          writeBehind.write(id, price);
          out = null;
        }
      }
      writes.increment();
      if (trackLastPrice) {
        lastPrice[(int) id] = price;
      }
      return out;
    }

    /** Flushes and stops everything this fixture started; throws if the writes did not all arrive. */
    void stop() throws Exception {
      String problem = null;
      try {
        if (writeBehind != null) {
          long pendingAtEnd = writeBehind.pending();
          long started = System.nanoTime();
          boolean flushed = writeBehind.flush(FLUSH_TIMEOUT);
          System.out.printf("%n[write-behind] %d writes acknowledged, %d pending at the end of the trial, "
              + "flushed in %d ms; %d sink transactions, %.0f rows written%n", writes.sum(), pendingAtEnd,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), sink.transactions.get(),
              meters.find("hotset.writebehind.source.writes").counter() == null ? Double.NaN
                  : meters.find("hotset.writebehind.source.writes").counter().count());
          problem = flushed ? checkWriteBehind() : "write-behind did not flush within " + FLUSH_TIMEOUT;
        } else if (postgres != null && kind != null && writes.sum() > 0) {
          problem = checkVersions();
        }
        if (problem == null && meters != null && region != null) {
          double tierErrors = meters.find("hotset.tier.errors").counters().stream().mapToDouble(Counter::count).sum();
          if (tierErrors != 0) {
            problem = tierErrors + " tier errors in the region";
          }
        }
      } finally {
        closeAll();
      }
      if (problem != null) {
        throw new IllegalStateException(problem);
      }
    }

    private String checkVersions() throws SQLException {
      try (Connection c = connect(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT sum(version) FROM products")) {
        rs.next();
        long versions = rs.getLong(1);
        return versions == writes.sum() ? null
            : "the rows' versions add up to " + versions + ", but " + writes.sum() + " writes were made";
      }
    }

    private String checkWriteBehind() throws SQLException {
      if (writeBehind.pending() != 0) {
        return writeBehind.pending() + " writes still pending after the flush";
      }
      try (Connection c = connect(); Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SELECT seq FROM wb_checkpoint WHERE journal = '" + JOURNAL + "'")) {
          long seq = rs.next() ? rs.getLong(1) : 0;
          if (seq != writes.sum()) {
            return "the sink's checkpoint is " + seq + ", but " + writes.sum() + " writes were acknowledged";
          }
        }
        if (trackLastPrice) {
          try (ResultSet rs = s.executeQuery("SELECT id, price_cents FROM products")) {
            while (rs.next()) {
              long id = rs.getLong(1);
              long expected = lastPrice[(int) id] == 0 ? 1000 : lastPrice[(int) id];
              if (rs.getLong(2) != expected) {
                return "product " + id + " has price " + rs.getLong(2) + ", the last write was " + expected;
              }
            }
          }
        }
      }
      return null;
    }

    private void closeAll() throws IOException {
      try {
        if (writeBehind != null) {
          writeBehind.close();
        }
        if (hotset != null) {
          hotset.close();
        }
        if (hotsetRedis != null) {
          hotsetRedis.close();
        }
        if (sink != null) {
          sink.close();
        }
        for (Connection c; (c = connections.poll()) != null; ) {
          try {
            c.close();
          } catch (SQLException e) {
            // the server stops next anyway
          }
        }
      } finally {
        try {
          if (redis != null) {
            redis.close();
          }
        } finally {
          if (postgres != null) {
            postgres.close();
          }
          if (journalDirectory != null) {
            deleteTree(journalDirectory);
          }
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Every variant on one thread. */
  @State(Scope.Benchmark)
  public static class OneThread extends Fixture {
    @Param({"source", "source-nofsync", "invalidate", "write-through", "write-behind-fsync", "write-behind-process"})
    public String variant;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      start(variant, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      stop();
    }
  }

  /** The source and write-behind on four threads: group commit of the journal's fsync. */
  @State(Scope.Benchmark)
  public static class FourThreads extends Fixture {
    @Param({"source", "write-behind-fsync", "write-behind-process"})
    public String variant;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      start(variant, 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      stop();
    }
  }

  private static final AtomicInteger SEEDS = new AtomicInteger();

  /** Each thread draws its own ids and prices; thread n gets the same sequence in every variant (one fork each). */
  @State(Scope.Thread)
  public static class Cursor {
    final SplittableRandom random = new SplittableRandom(SEEDS.getAndIncrement());
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public Object write_1thread(OneThread fixture, Cursor cursor) {
    return fixture.write(cursor);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(4)
  public Object write_4threads(FourThreads fixture, Cursor cursor) {
    return fixture.write(cursor);
  }

  /** One thread's kept connection to the source: the update, and the loads of the region. */
  static final class Source {
    final Connection connection;
    final PreparedStatement update;
    final PreparedStatement select;
    final PreparedStatement selectAll;

    Source(Connection connection) throws SQLException {
      this.connection = connection;
      this.update = connection.prepareStatement(UPDATE);
      this.select = connection.prepareStatement("SELECT price_cents, version FROM products WHERE id = ?");
      this.selectAll = connection.prepareStatement("SELECT id, price_cents, version FROM products WHERE id = ANY (?)");
    }

    /** The source write: returns the row's new version. */
    long update(long id, long price) throws SQLException {
      update.setLong(1, price);
      update.setLong(2, id);
      try (ResultSet rs = update.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("no product " + id);
        }
        return rs.getLong(1);
      }
    }

    long updateUnchecked(long id, long price) {
      try {
        return update(id, price);
      } catch (SQLException e) {
        throw new IllegalStateException("UPDATE of product " + id + " failed", e);
      }
    }

    Product load(long id) throws SQLException {
      select.setLong(1, id);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? new Product(id, rs.getLong(1), rs.getLong(2)) : null;
      }
    }

    Map<Long, Product> loadAll(Set<Long> ids) throws SQLException {
      Array array = connection.createArrayOf("bigint", ids.toArray());
      selectAll.setArray(1, array);
      Map<Long, Product> out = new HashMap<>();
      try (ResultSet rs = selectAll.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getLong(1), new Product(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
        }
      }
      return out;
    }
  }

  /**
   * The write-behind source (after hotset-core's test sink {@code PgSink}): the merged prices of
   * a batch and the journal's checkpoint in one transaction, on one kept connection (the flusher
   * is a single thread). The rows go in one statement of two arrays rather than one per row.
   */
  static final class PgSink implements WriteBehindSink<Long, Long>, AutoCloseable {
    private final Connection connection;
    private final PreparedStatement upsert;
    private final PreparedStatement checkpoint;
    private final PreparedStatement applied;
    final AtomicInteger transactions = new AtomicInteger();

    PgSink(String url) throws SQLException {
      connection = DriverManager.getConnection(url, PostgresServer.USER, PostgresServer.PASSWORD);
      connection.setAutoCommit(false);
      upsert = connection.prepareStatement("INSERT INTO products (id, price_cents, version) "
          + "SELECT id, price, 1 FROM unnest(?::bigint[], ?::bigint[]) AS v(id, price) "
          + "ON CONFLICT (id) DO UPDATE SET price_cents = EXCLUDED.price_cents, version = products.version + 1");
      checkpoint = connection.prepareStatement("INSERT INTO wb_checkpoint (journal, seq) VALUES (?, ?) "
          + "ON CONFLICT (journal) DO UPDATE SET seq = EXCLUDED.seq");
      applied = connection.prepareStatement("SELECT seq FROM wb_checkpoint WHERE journal = ?");
    }

    @Override
    public synchronized long appliedThrough(String journalId) throws SQLException {
      applied.setString(1, journalId);
      try (ResultSet rs = applied.executeQuery()) {
        long seq = rs.next() ? rs.getLong(1) : 0;
        connection.commit();
        return seq;
      }
    }

    @Override
    public synchronized void apply(Map<Long, Long> merged, String journalId, long through) throws SQLException {
      Long[] ids = new Long[merged.size()];
      Long[] prices = new Long[merged.size()];
      int i = 0;
      for (Map.Entry<Long, Long> e : merged.entrySet()) {
        ids[i] = e.getKey();
        prices[i++] = e.getValue();
      }
      try {
        upsert.setArray(1, connection.createArrayOf("bigint", ids));
        upsert.setArray(2, connection.createArrayOf("bigint", prices));
        upsert.executeUpdate();
        checkpoint.setString(1, journalId);
        checkpoint.setLong(2, through);
        checkpoint.executeUpdate();
        connection.commit();
        transactions.incrementAndGet();
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }

    @Override
    public synchronized void close() {
      try {
        connection.close();
      } catch (SQLException e) {
        // the server stops next anyway
      }
    }
  }

  /** Prices travel through the journal as decimal text. */
  enum LongText implements ValueCodec<Long> {
    INSTANCE;

    @Override
    public byte[] encode(Long value) {
      return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Long decode(byte[] bytes) {
      return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
    }
  }
}
