package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Warm-up on start: fills L1 from L2 or the source, rate-limited in real time, then stops. */
class WarmUpTest {
  private static final Duration TTL = Duration.ofMinutes(10);

  @Test
  void warmUpReadsL2FirstAtTheGivenRateAndNeverCallsTheLoaderForWhatL2Holds() {
    InMemoryTier l2 = new InMemoryTier();
    int n = 60;
    List<Long> keys = keys(n);
    fillL2(l2, keys);

    MeterRegistry meters = new SimpleMeterRegistry();
    AtomicInteger loads = new AtomicInteger();
    try (Hotset fresh = Hotset.builder().meterRegistry(meters).l2(l2).build()) {
      Region<Long, String> region = fresh.region(spec("items", loads).build());
      int perSecond = 100;
      long t0 = System.nanoTime();
      int warmed = region.warmUp(keys, perSecond);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      assertThat(warmed).isEqualTo(n);
      assertThat(elapsedMillis).as("60 keys at 100/s").isGreaterThanOrEqualTo(n * 1000L / perSecond);
      assertThat(loads.get()).as("loader calls for keys L2 holds").isZero();
      assertThat(meters.get("hotset.requests").tag("region", "items").tag("tier", "l2").tag("result", "hit")
          .counter().count()).isEqualTo(n);
      for (long k : keys) {
        assertThat(region.getIfPresent(k)).as("key %s in L1", k).isEqualTo("v-" + k);
      }
      double missesBefore = l1Misses(meters, "items");
      for (long k : keys) {
        region.get(k);
      }
      assertThat(l1Misses(meters, "items") - missesBefore).isZero();
      // a second warm-up finds everything fresh in L1: nothing to read, no waiting
      long t1 = System.nanoTime();
      assertThat(region.warmUp(keys, 1)).isZero();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).isLessThan(1_000);
    }
  }

  @Test
  void warmUpFromL2LeavesKeysL2LacksColdAndLoadsNothing() {
    InMemoryTier l2 = new InMemoryTier();
    List<Long> keys = keys(40);
    fillL2(l2, keys.subList(0, 30)); // keys 30..39 are in no tier
    AtomicInteger loads = new AtomicInteger();
    try (Hotset fresh = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2).build()) {
      Region<Long, String> region = fresh.region(spec("l2only", loads).build());
      long t0 = System.nanoTime();
      int warmed = region.warmUpFromL2(keys, 200);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(warmed).isEqualTo(30);
      assertThat(elapsedMillis).as("40 keys read at 200/s").isGreaterThanOrEqualTo(200);
      assertThat(loads.get()).isZero();
      for (long k : keys) {
        assertThat(region.getIfPresent(k)).as("key %s", k).isEqualTo(k < 30 ? "v-" + k : null);
      }
    }
  }

  @Test
  void warmUpLoadsFromTheSourceInPacedBatchesWhileReadersShareTheLoads() throws Exception {
    int n = 100;
    int perSecond = 200; // batches of 20 keys, one every 100 ms
    List<Long> keys = keys(n);
    ConcurrentHashMap<Long, AtomicInteger> loadsPerKey = new ConcurrentHashMap<>();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    AtomicInteger singleLoads = new AtomicInteger();
    ExecutorService readers = Executors.newFixedThreadPool(4);
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("source", Long.class, String.class)
          .ttl(TTL)
          .loader(k -> {
            singleLoads.incrementAndGet();
            loadsPerKey.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
            return "v-" + k;
          })
          .batchLoader(ks -> {
            batchSizes.add(ks.size());
            Map<Long, String> out = new HashMap<>();
            for (Long k : ks) {
              loadsPerKey.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
              out.put(k, "v-" + k);
            }
            return out;
          })
          .build());
      // readers hit the same keys while warm-up runs: every key is still loaded once
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch started = new CountDownLatch(4);
      List<Future<?>> reading = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        int seed = r;
        reading.add(readers.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          started.countDown();
          while (!stop.get()) {
            long k = random.nextInt(n);
            assertThat(region.get(k)).isEqualTo("v-" + k);
            Thread.sleep(5);
          }
          return null;
        }));
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      long t0 = System.nanoTime();
      int warmed = region.warmUp(keys, perSecond);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      stop.set(true);
      for (Future<?> f : reading) {
        f.get(10, TimeUnit.SECONDS);
      }

      assertThat(singleLoads.get()).as("keys loaded by readers first").isGreaterThan(0);
      assertThat(warmed).as("keys warm-up loaded itself").isEqualTo(n - singleLoads.get());
      // keys the readers had made fresh are skipped without using up the rate
      assertThat(elapsedMillis).as("%s keys read at 200/s", warmed).isGreaterThanOrEqualTo(warmed * 1000L / perSecond);
      for (long k : keys) {
        assertThat(loadsPerKey.get(k)).as("loads of key %s", k).hasValue(1);
        assertThat(region.getIfPresent(k)).isEqualTo("v-" + k);
      }
      assertThat(batchSizes).allMatch(size -> size <= perSecond / 10);
    } finally {
      readers.shutdownNow();
    }
  }

  @Test
  void warmUpWithoutL2LoadsEveryKeyFromTheSourceInPacedBatches() {
    int n = 100;
    int perSecond = 200; // batches of 20 keys, one every 100 ms
    List<Long> batchStarts = new CopyOnWriteArrayList<>();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("paced", Long.class, String.class)
          .ttl(TTL)
          .batchLoader(ks -> {
            batchStarts.add(System.nanoTime());
            batchSizes.add(ks.size());
            Map<Long, String> out = new HashMap<>();
            for (Long k : ks) {
              if (k % 10 != 9) { // every tenth key does not exist
                out.put(k, "v-" + k);
              }
            }
            return out;
          })
          .build());
      long t0 = System.nanoTime();
      int warmed = region.warmUp(keys(n), perSecond);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(warmed).as("keys that exist").isEqualTo(90);
      assertThat(elapsedMillis).as("100 keys at 200/s").isGreaterThanOrEqualTo(n * 1000L / perSecond);
      assertThat(batchSizes).containsExactly(20, 20, 20, 20, 20);
      for (int i = 1; i < batchStarts.size(); i++) {
        assertThat(batchStarts.get(i) - t0).as("start of batch %s", i)
            .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(i * 100L));
      }
      assertThat(region.estimatedSize()).as("values and absent markers in L1").isEqualTo(n);
      assertThat(region.getIfPresent(42L)).isEqualTo("v-42");
    }
  }

  @Test
  void badWarmUpInputIsRejectedBeforeAnyRead() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec("bad", loads).build());
      assertThatThrownBy(() -> region.warmUp(null, 10)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("region 'bad'").hasMessageContaining("keys must not be null");
      assertThatThrownBy(() -> region.warmUp(List.of(1L), 0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("perSecond must be >= 1, was 0");
      assertThatThrownBy(() -> region.warmUp(List.of(1L), -5)).hasMessageContaining("was -5");
      assertThatThrownBy(() -> region.warmUp(Arrays.asList(1L, null, 3L), 10))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("contain null (at position 1)");
      assertThatThrownBy(() -> region.warmUpFromL2(List.of(1L), 10)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("needs an L2 tier");
      Region<Long, String> aside = hotset.region(RegionSpec.builder("aside", Long.class, String.class)
          .ttl(TTL).build());
      assertThatThrownBy(() -> aside.warmUp(List.of(1L), 10)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no loader");
      assertThat(loads.get()).isZero();
      assertThat(region.estimatedSize()).isZero();
    }
  }

  @Test
  void interruptedWarmUpStopsEarlyAndKeepsTheFlag() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec("interrupted", loads).build());
      AtomicInteger warmed = new AtomicInteger(-1);
      AtomicBoolean flag = new AtomicBoolean();
      Thread t = new Thread(() -> {
        warmed.set(region.warmUp(keys(1_000), 10)); // would take 100 s
        flag.set(Thread.currentThread().isInterrupted());
      });
      t.start();
      Thread.sleep(300);
      t.interrupt();
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
      assertThat(flag.get()).isTrue();
      assertThat(warmed.get()).isBetween(1, 10);
      assertThat(loads.get()).isEqualTo(warmed.get());
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private static RegionSpec.Builder<Long, String> spec(String name, AtomicInteger loads) {
    return RegionSpec.builder(name, Long.class, String.class).ttl(TTL).loader(k -> {
      loads.incrementAndGet();
      return "v-" + k;
    });
  }

  /** Another process fills the shared tier, as a fleet would have. */
  private static void fillL2(InMemoryTier l2, List<Long> keys) {
    try (Hotset other = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2).build()) {
      Region<Long, String> region = other.region(RegionSpec.builder("items", Long.class, String.class)
          .ttl(TTL).loader(k -> "v-" + k).build());
      region.getAll(keys);
      Region<Long, String> second = other.region(RegionSpec.builder("l2only", Long.class, String.class)
          .ttl(TTL).loader(k -> "v-" + k).build());
      second.getAll(keys);
    }
  }

  private static double l1Misses(MeterRegistry meters, String region) {
    return meters.get("hotset.requests").tag("region", region).tag("tier", "l1").tag("result", "miss")
        .counter().count();
  }

  private static List<Long> keys(int n) {
    List<Long> out = new ArrayList<>(n);
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
