package io.hotset.bench;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.redis.HotsetRedis;
import io.hotset.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * An L2 (Redis) hit of a region against the raw Lettuce calls it is built on, in the same run, on
 * a real {@code redis-server} that each trial starts on a free loopback port (hotset-testkit) and
 * stops in its tear-down.
 *
 * <p>The region ({@code l1(false)}, plus {@code hotKeyShare(0)} since hot-key detection would
 * otherwise keep Zipf's head in L1 anyway; metrics on) holds {@value #ITEMS} values of ~1 KB,
 * written to Redis by one {@code region.get} each during set-up. The raw side
 * reads the very same bytes (the envelopes under {@code bench:{item:<k>}}) with a
 * {@code StatefulRedisConnection<String, byte[]>}:
 * <ul>
 *   <li>{@code get} ({@link Mode#SampleTime}, so JMH reports p50/p90/p99): {@code region.get(k)} vs
 *       a Lettuce <em>sync</em> {@code GET}; Zipf(0.99) keys, the same sequence on both sides.
 *   <li>{@code getAll} ({@link Mode#Throughput}, one op = one batch of {@value #BATCH}):
 *       {@code region.getAll(keys)} vs {@value #BATCH} {@code GET}s pipelined on their own
 *       connection (auto-flush off, one flush, then await all); {@value #BATCH} distinct keys
 *       per batch, drawn uniformly, the same batches on both sides.
 * </ul>
 * Both variants run the identical set-up (server, hotset, raw connections); only the measured
 * call differs. The tear-down checks that hotset served every measured read from L2 (no L1 hits,
 * no loads beyond the prefill, no tier errors), so a broken L2 or an L1 cannot pass as a fast L2.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class L2HitBenchmark {
  static final int ITEMS = 1_000;
  static final int VALUE_CHARS = 1_024;
  static final int BATCH = 100;
  static final int SAMPLES = 1 << 16;
  static final int MASK = SAMPLES - 1;
  static final int BATCHES = 1 << 10;
  static final int BATCH_MASK = BATCHES - 1;
  static final String KEY_PREFIX = "bench";
  static final String REGION = "item";
  static final Duration RAW_TIMEOUT = Duration.ofSeconds(5);

  @Param({"lettuce", "hotset"})
  public String client;

  boolean raw;
  Long[] keys;
  List<List<Long>> batches;

  RedisServer redis;
  SimpleMeterRegistry meters;
  HotsetRedis hotsetRedis;
  Hotset hotset;
  Region<Long, String> region;
  RedisClient lettuce;
  StatefulRedisConnection<String, byte[]> syncConnection;
  StatefulRedisConnection<String, byte[]> pipelineConnection;
  RedisCommands<String, byte[]> sync;
  RedisAsyncCommands<String, byte[]> pipeline;

  /** The ~1 KB value of item {@code k} (what the region's loader returns). */
  static String value(long k) {
    StringBuilder sb = new StringBuilder(VALUE_CHARS).append("item-").append(k).append(':');
    SplittableRandom random = new SplittableRandom(k);
    while (sb.length() < VALUE_CHARS) {
      sb.append((char) ('a' + random.nextInt(26)));
    }
    return sb.toString();
  }

  /** The Redis key the region stores item {@code k} under. */
  static String redisKey(long k) {
    return KEY_PREFIX + ":{" + REGION + ":" + k + "}";
  }

  @Setup(Level.Trial)
  public void setUp() {
    raw = client.equals("lettuce");
    if (!raw && !client.equals("hotset")) {
      throw new IllegalArgumentException("client must be lettuce or hotset, was " + client);
    }
    Long[] boxed = new Long[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      boxed[i] = (long) i;
    }
    int[] samples = new ZipfKeys(ITEMS, 0.99, 1).samples(SAMPLES, 2);
    keys = new Long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      keys[i] = boxed[samples[i]];
    }
    batches = uniformBatches(boxed, 3);

    redis = RedisServer.startNew();
    try {
      meters = new SimpleMeterRegistry();
      hotsetRedis = HotsetRedis.builder().url(redis.uri()).keyPrefix(KEY_PREFIX).meterRegistry(meters).build();
      hotset = Hotset.builder().meterRegistry(meters).l2(hotsetRedis.tier())
          .invalidationTransport(hotsetRedis.invalidations()).build();
      region = hotset.region(RegionSpec.builder(REGION, Long.class, String.class)
          .ttl(Duration.ofHours(1))
          .l1(false)
          // hot-key detection would keep Zipf's head in L1 even with l1(false): off, to measure L2
          .hotKeyShare(0)
          .loader(L2HitBenchmark::value)
          .build());
      for (Long k : boxed) {
        region.get(k);
      }

      RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
      lettuce = RedisClient.create(redis.uri());
      syncConnection = lettuce.connect(codec);
      sync = syncConnection.sync();
      pipelineConnection = lettuce.connect(codec);
      pipelineConnection.setAutoFlushCommands(false);
      pipeline = pipelineConnection.async();

      checkBothSidesReadTheSameData();
    } catch (RuntimeException | Error e) {
      tearDown();
      throw e;
    }
  }

  /** {@link #BATCHES} batches of {@link #BATCH} distinct keys each, drawn uniformly (seeded). */
  static List<List<Long>> uniformBatches(Long[] items, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Long[] shuffled = items.clone();
    List<List<Long>> out = new ArrayList<>(BATCHES);
    for (int b = 0; b < BATCHES; b++) {
      // partial Fisher-Yates: the first BATCH slots become a uniform sample without replacement
      for (int i = 0; i < BATCH; i++) {
        int j = i + random.nextInt(shuffled.length - i);
        Long t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
      }
      out.add(List.of(Arrays.copyOf(shuffled, BATCH)));
    }
    return out;
  }

  private void checkBothSidesReadTheSameData() {
    Object size = redis.command("DBSIZE");
    if (!Long.valueOf(ITEMS).equals(size)) {
      throw new IllegalStateException("expected " + ITEMS + " keys in Redis after the prefill, found " + size
          + ": " + redis.command("SCAN", "0", "COUNT", "20"));
    }
    for (long k = 0; k < ITEMS; k++) {
      byte[] bytes = sync.get(redisKey(k));
      if (bytes == null || bytes.length <= VALUE_CHARS) {
        throw new IllegalStateException("no envelope of ~" + VALUE_CHARS + " bytes under " + redisKey(k)
            + " (got " + (bytes == null ? "nil" : bytes.length + " bytes") + ")");
      }
      if (!value(k).equals(region.get(k))) {
        throw new IllegalStateException("region.get(" + k + ") does not return the loaded value");
      }
    }
    if (pipelined(batches.get(0)).size() != BATCH || region.getAll(batches.get(0)).size() != BATCH) {
      throw new IllegalStateException("a batch of " + BATCH + " keys did not return " + BATCH + " values");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    String problem = null;
    if (region != null && meters != null) {
      double l1Hits = counter("hotset.requests", "result", "hit", "tier", "l1");
      double loads = counter("hotset.loads", "outcome", "success");
      double l2Misses = counter("hotset.requests", "result", "miss", "tier", "l2");
      double tierErrors = meters.find("hotset.tier.errors").counters().stream().mapToDouble(Counter::count).sum();
      if (l1Hits != 0 || loads != ITEMS || l2Misses != ITEMS || tierErrors != 0) {
        problem = "hotset did not serve every read from L2: " + l1Hits + " L1 hits (expected 0), " + loads
            + " loads, " + l2Misses + " L2 misses (expected " + ITEMS + " each, from the prefill), " + tierErrors
            + " tier errors";
      }
    }
    try {
      if (pipelineConnection != null) {
        pipelineConnection.close();
      }
      if (syncConnection != null) {
        syncConnection.close();
      }
      if (lettuce != null) {
        lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      if (hotset != null) {
        hotset.close();
      }
      if (hotsetRedis != null) {
        hotsetRedis.close();
      }
    } finally {
      if (redis != null) {
        redis.close();
        redis = null;
      }
    }
    if (problem != null) {
      throw new IllegalStateException(problem);
    }
  }

  private double counter(String name, String... tags) {
    Counter c = meters.find(name).tag("region", REGION).tags(tags).counter();
    return c == null ? Double.NaN : c.count();
  }

  /** Each thread walks the key sequences from the start, so both sides read the same keys. */
  @State(Scope.Thread)
  public static class Cursor {
    int index;
    int batch;
  }

  /** {@link #BATCH} GETs pipelined: queued without flushing, flushed once, then awaited. */
  List<byte[]> pipelined(List<Long> batch) {
    List<RedisFuture<byte[]>> futures = new ArrayList<>(batch.size());
    for (Long k : batch) {
      futures.add(pipeline.get(redisKey(k)));
    }
    pipelineConnection.flushCommands();
    List<byte[]> out = new ArrayList<>(futures.size());
    try {
      for (RedisFuture<byte[]> f : futures) {
        out.add(f.get(RAW_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("pipelined GET failed", e);
    }
    return out;
  }

  /** One L2 hit: {@code region.get} (decoded value) vs a sync {@code GET} (the envelope's bytes). */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object get(Cursor cursor) {
    Long k = keys[cursor.index++ & MASK];
    return raw ? sync.get(redisKey(k)) : region.get(k);
  }

  /** One batch of {@value #BATCH} L2 hits: {@code region.getAll} vs pipelined GETs. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Object getAll(Cursor cursor) {
    List<Long> batch = batches.get(cursor.batch++ & BATCH_MASK);
    return raw ? pipelined(batch) : region.getAll(batch);
  }
}
