package io.hotset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.FakeTicker;
import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.spi.EnvelopeHeader;
import io.hotset.spi.LeaseRead;
import io.hotset.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance (refresh-ahead): a steady read load on a region's top keys sees no L1 miss on them
 * across three TTL periods while cold keys expire normally; without keep-warm the same load
 * misses on the top keys at every expiry. The fake ticker moves in steps of one keep-warm
 * period; in each step four reader threads read at the same instant while a fifth thread runs
 * the keep-warm pass, whose refreshes load on a real two-thread executor.
 */
class KeepWarmTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  /** The keep-warm period for a 2 s TTL: ttl/8. */
  private static final Duration STEP = Duration.ofMillis(250);
  private static final int STEPS_PER_TTL = 8;
  private static final int TOP = 10;
  private static final int COLD = 1_000;
  private static final int READERS = 4;
  /** Reads of each top key per reader per step: 200 reads per key per 250 ms in all. */
  private static final int TOP_READS = 50;
  /** Cold reads per reader per step: each cold key is read about 5 times in 3 TTLs. */
  private static final int COLD_READS = 50;

  private final FakeTicker ticker = new FakeTicker();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final ConcurrentHashMap<String, AtomicInteger> readerLoads = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> refreshLoads = new ConcurrentHashMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private ExecutorService readers;
  private ExecutorService refreshPool;
  private ExecutorService passThread;
  private DefaultHotset hotset;

  @BeforeEach
  void setUp() {
    readers = Executors.newFixedThreadPool(READERS, named("reader"));
    refreshPool = Executors.newFixedThreadPool(2, named("refresh"));
    passThread = Executors.newSingleThreadExecutor(named("pass"));
    hotset = hotset(null);
  }

  /** A hotset whose keep-warm passes are not scheduled: the tests run them, in step with the fake ticker. */
  private DefaultHotset hotset(Tier l2) {
    return new DefaultHotset(registry, ticker, null, task -> {
      pending.incrementAndGet();
      refreshPool.execute(() -> {
        try {
          task.run();
        } finally {
          pending.decrementAndGet();
        }
      });
    }, null, l2, "keep-warm-test", false);
  }

  @AfterEach
  void tearDown() {
    hotset.close();
    readers.shutdownNow();
    refreshPool.shutdownNow();
    passThread.shutdownNow();
  }

  /**
   * With an L2 tier, a keep-warm refresh finds there the very copy this process wrote, with the
   * same deadline; it must reload from the source (taking the lease on a leasing tier) rather
   * than store that copy again, or the key would expire on schedule.
   */
  @ParameterizedTest(name = "l2={0}")
  @ValueSource(strings = {"none", "plain", "leasing"})
  void topKeysSeeNoMissAcrossThreeTtlsWhileColdKeysExpire(String tier) throws Exception {
    if (!tier.equals("none")) {
      hotset.close();
      hotset = hotset(tier.equals("plain") ? new MapTier() : new LeasingMapTier());
    }
    DefaultRegion<String, String> region = region("warm", TOP);
    Counter misses = missCounter("warm");
    List<String> top = keys("top-", TOP);
    List<String> cold = keys("cold-", COLD);

    int steps = 3 * STEPS_PER_TTL;
    double topMisses = 0;
    for (int step = 0; step < steps; step++) {
      double before = misses.count();
      readTopWhilePassRuns(region, top, step);
      if (step > 0) {
        topMisses += misses.count() - before;
      }
      readCold(region, cold, step);
      ticker.advance(STEP);
    }

    assertThat(topMisses).as("L1 misses on the top keys after their first read, over 3 TTLs").isZero();
    for (String k : top) {
      assertThat(count(readerLoads, k)).as("loads of %s by readers", k).isEqualTo(1);
      // reloaded when less than 2 periods (0.5 s) of freshness are left: at 1.5-1.75 s of each
      // 1.8-2.2 s TTL, so exactly 3 times before 6 s (not at every pass)
      assertThat(count(refreshLoads, k)).as("keep-warm reloads of %s in 6 s", k).isEqualTo(3);
    }
    assertThat(region.keepWarmKeys()).containsExactlyInAnyOrderElementsOf(top);
    int coldRefreshes = cold.stream().mapToInt(k -> count(refreshLoads, k)).sum();
    assertThat(coldRefreshes).as("cold keys reloaded by keep-warm").isZero();
    long coldReloadedByReads = cold.stream().filter(k -> count(readerLoads, k) >= 2).count();
    assertThat(coldReloadedByReads).as("cold keys that expired and were loaded again by a read").isGreaterThan(100);
    int refreshes = top.stream().mapToInt(k -> count(refreshLoads, k)).sum();
    assertThat(registry.get("hotset.keep.warm.refreshes").tag("region", "warm").counter().count())
        .isEqualTo(refreshes);
    assertThat(registry.get("hotset.refreshes").tag("region", "warm").counter().count()).isEqualTo(refreshes);

    // one more TTL and a bit: a cold key read once expires and misses; the top keys do not
    String coldKey = cold.get(0);
    region.get(coldKey);
    int coldLoads = count(readerLoads, coldKey);
    double before = misses.count();
    for (int step = 0; step < STEPS_PER_TTL + 2; step++) {
      readTopWhilePassRuns(region, top, steps + step);
      ticker.advance(STEP);
    }
    assertThat(misses.count() - before).as("top-key misses in the extra TTL").isZero();
    assertThat(region.getIfPresent(coldKey)).as("a cold key past its TTL").isNull();
    for (String k : top) {
      assertThat(region.getIfPresent(k)).as("top key %s", k).isEqualTo("v-" + k);
    }
    before = misses.count();
    assertThat(region.get(coldKey)).isEqualTo("v-" + coldKey);
    assertThat(misses.count() - before).as("the cold key's read after its TTL is a miss").isEqualTo(1);
    assertThat(count(readerLoads, coldKey)).isEqualTo(coldLoads + 1);
  }

  @Test
  void withoutKeepWarmTheSameLoadMissesOnTheTopKeysAtEveryExpiry() throws Exception {
    DefaultRegion<String, String> region = region("cold-start", 0);
    Counter misses = missCounter("cold-start");
    List<String> top = keys("top-", TOP);
    List<String> cold = keys("cold-", COLD);
    double topMisses = 0;
    for (int step = 0; step < 3 * STEPS_PER_TTL; step++) {
      double before = misses.count();
      readTopWhilePassRuns(region, top, step);
      if (step > 0) {
        topMisses += misses.count() - before;
      }
      readCold(region, cold, step);
      ticker.advance(STEP);
    }
    // each top key expires at least twice in 6 s (TTL 1.8-2.2 s), and every expiry is a miss
    assertThat(topMisses).as("L1 misses on the top keys without keep-warm").isGreaterThanOrEqualTo(2 * TOP);
    for (String k : top) {
      assertThat(count(readerLoads, k)).as("loads of %s by readers", k).isGreaterThanOrEqualTo(3);
      assertThat(count(refreshLoads, k)).isZero();
    }
    assertThat(region.keepWarm()).isZero();
    assertThat(region.keepWarmInterval()).isNull();
  }

  @Test
  void keysThatLeaveTheTopSetStopBeingRefreshedAndExpire() throws Exception {
    DefaultRegion<String, String> region = region("shift", TOP);
    Counter misses = missCounter("shift");
    List<String> first = keys("first-", TOP);
    List<String> second = keys("second-", TOP);
    int step = 0;
    for (; step < 2 * STEPS_PER_TTL; step++) {
      readTopWhilePassRuns(region, first, step);
      ticker.advance(STEP);
    }
    assertThat(region.keepWarmKeys()).containsExactlyInAnyOrderElementsOf(first);
    for (String k : first) {
      assertThat(count(refreshLoads, k)).as("keep-warm reloads of %s in 4 s", k).isGreaterThanOrEqualTo(2);
    }

    // the load moves to other keys; the first ones are read no more
    int shift = step;
    double secondMisses = 0;
    int[] refreshedOneTtlLater = null;
    for (; step < shift + 3 * STEPS_PER_TTL; step++) {
      double before = misses.count();
      readTopWhilePassRuns(region, second, step);
      if (step > shift) {
        secondMisses += misses.count() - before;
      }
      ticker.advance(STEP);
      if (step == shift + STEPS_PER_TTL) {
        refreshedOneTtlLater = first.stream().mapToInt(k -> count(refreshLoads, k)).toArray();
      }
    }
    assertThat(secondMisses).as("misses on the new top keys after their first read").isZero();
    assertThat(region.keepWarmKeys()).containsExactlyInAnyOrderElementsOf(second);
    assertThat(first.stream().mapToInt(k -> count(refreshLoads, k)).toArray())
        .as("keep-warm reloads of the old top keys in the last 2 TTLs").isEqualTo(refreshedOneTtlLater);
    for (String k : first) {
      assertThat(region.getIfPresent(k)).as("old top key %s, 2 TTLs after its last reload", k).isNull();
    }
  }

  @Test
  void topKeysCountSampledHitsAndForgetKeysNoLongerRead() {
    TopKeys<String> topKeys = new TopKeys<>(2);
    SplittableRandom random = new SplittableRandom(1);
    // "a" and "b" only hit (sampled 1 in 16, weight 16); 5,000 tail keys miss once or twice
    for (int i = 0; i < 20_000; i++) {
      if (random.nextInt(16) == 0) {
        topKeys.record(i % 2 == 0 ? "a" : "b", 16);
      }
      topKeys.record("tail-" + random.nextInt(5_000), 1);
    }
    assertThat(topKeys.top()).containsExactlyInAnyOrder("a", "b");
    assertThat(topKeys.candidateCount()).as("candidates kept in memory").isLessThanOrEqualTo(2 * 16);
    // nobody reads them any more: the counts decay and they leave the top set
    for (int i = 0; i < 20; i++) {
      topKeys.age();
    }
    assertThat(topKeys.top()).isEmpty();
  }

  @Test
  void keepWarmRunsOnTheHotsetsBackgroundThreadInRealTime() throws Exception {
    MeterRegistry meters = new SimpleMeterRegistry();
    AtomicInteger backgroundLoads = new AtomicInteger();
    try (Hotset real = Hotset.builder().meterRegistry(meters).build()) {
      Region<String, String> region = real.region(RegionSpec.builder("real", String.class, String.class)
          .ttl(Duration.ofMillis(400)).earlyRefreshBeta(0).keepWarm(1)
          .loader(k -> {
            if (Thread.currentThread().getName().startsWith("hotset-loader")) {
              backgroundLoads.incrementAndGet();
            }
            return "v-" + k;
          }).build());
      assertThat(((DefaultRegion<String, String>) region).keepWarmInterval()).isEqualTo(Duration.ofMillis(100));
      io.micrometer.core.instrument.Counter keepWarm =
          meters.get("hotset.keep.warm.refreshes").tag("region", "real").counter();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (keepWarm.count() < 3 && System.nanoTime() < deadline) {
        assertThat(region.get("k")).isEqualTo("v-k");
        Thread.sleep(1);
      }
      assertThat(keepWarm.count()).as("reloads started by the scheduled keep-warm pass").isGreaterThanOrEqualTo(3);
      assertThat(backgroundLoads.get()).as("loads on the hotset's loader threads").isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void keepWarmIsValidatedWithTheBadValue() {
    RegionSpec.Builder<String, String> b = RegionSpec.builder("kw", String.class, String.class)
        .ttl(Duration.ofSeconds(1)).loader(k -> k);
    assertThatThrownBy(() -> b.keepWarm(-1).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepWarm must be in [0, 10000], was -1");
    assertThatThrownBy(() -> b.keepWarm(10_001).build()).hasMessageContaining("was 10001");
    assertThatThrownBy(() -> b.keepWarm(20).maximumSize(10).build())
        .hasMessageContaining("keepWarm=20 exceeds maximumSize=10");
    assertThatThrownBy(() -> RegionSpec.builder("kw", String.class, String.class).ttl(Duration.ofSeconds(1))
        .keepWarm(5).build()).hasMessageContaining("keepWarm=5 needs a loader");
    assertThat(b.keepWarm(20).maximumSize(20).build().keepWarm()).isEqualTo(20);
    assertThat(b.keepWarm(0).build().toBuilder().build().keepWarm()).isZero();
  }

  // ------------------------------------------------------------------------------ helpers

  private DefaultRegion<String, String> region(String name, int keepWarm) {
    Region<String, String> region = hotset.region(RegionSpec.builder(name, String.class, String.class)
        .ttl(TTL).keepWarm(keepWarm)
        .loader(k -> {
          String thread = Thread.currentThread().getName();
          (thread.startsWith("refresh") ? refreshLoads : readerLoads)
              .computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
          return "v-" + k;
        }).build());
    DefaultRegion<String, String> internal = (DefaultRegion<String, String>) region;
    if (keepWarm > 0) {
      assertThat(internal.keepWarmInterval()).isEqualTo(STEP);
    }
    return internal;
  }

  /**
   * One step's top-key load: every reader reads every top key {@link #TOP_READS} times (in its
   * own order) while the pass thread runs one keep-warm pass at the same instant; returns when
   * the reads, the pass and the refreshes it started are done.
   */
  private void readTopWhilePassRuns(DefaultRegion<String, String> region, List<String> top, int step)
      throws Exception {
    Future<Integer> pass = passThread.submit(region::keepWarm);
    runReaders(r -> () -> {
      SplittableRandom random = new SplittableRandom(step * 31L + r);
      for (int i = 0; i < TOP_READS * top.size(); i++) {
        String k = top.get(random.nextInt(top.size()));
        assertThat(region.get(k)).isEqualTo("v-" + k);
      }
      return null;
    });
    pass.get(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pending.get() > 0) {
      assertThat(System.nanoTime()).as("refreshes still running").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  private void readCold(DefaultRegion<String, String> region, List<String> cold, int step) throws Exception {
    runReaders(r -> () -> {
      SplittableRandom random = new SplittableRandom(1_000_003L * step + r);
      for (int i = 0; i < COLD_READS; i++) {
        String k = cold.get(random.nextInt(cold.size()));
        assertThat(region.get(k)).isEqualTo("v-" + k);
      }
      return null;
    });
  }

  private void runReaders(IntFunction<Callable<Void>> task) throws Exception {
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int r = 0; r < READERS; r++) {
      tasks.add(task.apply(r));
    }
    for (Future<Void> f : readers.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
      f.get();
    }
  }

  private interface Counter {
    double count();
  }

  private Counter missCounter(String region) {
    io.micrometer.core.instrument.Counter c = registry.get("hotset.requests").tag("region", region)
        .tag("tier", "l1").tag("result", "miss").counter();
    return c::count;
  }

  private static List<String> keys(String prefix, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static int count(ConcurrentHashMap<String, AtomicInteger> counts, String key) {
    AtomicInteger n = counts.get(key);
    return n == null ? 0 : n.get();
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** A shared tier in a map (entries are judged by their envelope deadlines, never expired). */
  static class MapTier implements Tier {
    final ConcurrentHashMap<String, byte[]> data = new ConcurrentHashMap<>();

    @Override
    public String name() {
      return "l2";
    }

    @Override
    public CompletableFuture<byte[]> get(String key) {
      return CompletableFuture.completedFuture(data.get(key));
    }

    @Override
    public CompletableFuture<Map<String, byte[]>> getAll(Collection<String> keys) {
      Map<String, byte[]> out = new HashMap<>();
      for (String k : keys) {
        byte[] v = data.get(k);
        if (v != null) {
          out.put(k, v);
        }
      }
      return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tags) {
      data.put(key, value);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> delete(Collection<String> keys) {
      keys.forEach(data::remove);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> deleteTag(String region, String tag) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** {@link MapTier} with fill leases, as the Redis tier has them (without lease expiry). */
  static final class LeasingMapTier extends MapTier {
    private final Map<String, Long> leases = new HashMap<>();
    private final AtomicLong tokens = new AtomicLong();

    @Override
    public boolean supportsLeases() {
      return true;
    }

    @Override
    public synchronized CompletableFuture<LeaseRead> readOrLease(String key, long nowMillis, Duration leaseTtl,
        boolean ignoreValue) {
      byte[] bytes = data.get(key);
      if (bytes != null && !ignoreValue
          && ByteBuffer.wrap(bytes, EnvelopeHeader.FRESH_UNTIL_OFFSET, 8).getLong() > nowMillis) {
        return CompletableFuture.completedFuture(new LeaseRead(LeaseRead.Outcome.FRESH, bytes, 0, null));
      }
      if (leases.containsKey(key)) {
        return CompletableFuture.completedFuture(new LeaseRead(LeaseRead.Outcome.HELD, bytes, 0,
            CompletableFuture.completedFuture(null)));
      }
      long token = tokens.incrementAndGet();
      leases.put(key, token);
      return CompletableFuture.completedFuture(new LeaseRead(LeaseRead.Outcome.GRANTED, bytes, token, null));
    }

    @Override
    public synchronized CompletableFuture<Boolean> fillWithLease(String key, long token, byte[] value, Duration ttl,
        Collection<String> tags) {
      if (!leases.remove(key, token)) {
        return CompletableFuture.completedFuture(false);
      }
      data.put(key, value);
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized CompletableFuture<Void> releaseLease(String key, long token) {
      leases.remove(key, token);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tags) {
      leases.remove(key);
      return super.put(key, value, ttl, tags);
    }

    @Override
    public synchronized CompletableFuture<Void> delete(Collection<String> keys) {
      keys.forEach(leases::remove);
      return super.delete(keys);
    }
  }
}
