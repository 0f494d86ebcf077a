package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hotset.CounterSeed;
import io.hotset.Counters;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.KeyFormat;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Counter running totals in Redis ({@code INCRBY}) shared by two "processes" (two HotsetRedis
 * clients and two Counters with their own journals in one JVM) over one source.
 */
@WithRedis
class CounterTotalsRedisIT {
  private static final int KEYS = 100;

  private static Counters<String> open(HotsetRedis redis, CountingSource source, String process,
      CounterSeed<String> seed, SimpleMeterRegistry registry) {
    return Counters.open(WriteBehindSpec.counters("views", KeyFormat.standard(String.class))
        .sink(source).journal(redis.writeJournal("views-" + process)).journalId("views-" + process)
        .totals(redis.counterTotals("views")).seed(seed).meterRegistry(registry)
        .flushInterval(Duration.ofMillis(200)).maxBatch(2_000).build());
  }

  private static HotsetRedis connect(String url) {
    return HotsetRedis.builder().url(url).keyPrefix("app").commandTimeout(Duration.ofSeconds(2)).build();
  }

  /** The Redis totals of k0..k99 (null where none), read in one MGET. */
  private static List<?> redisTotals(RedisServer server) {
    String[] args = new String[KEYS + 1];
    args[0] = "MGET";
    for (int k = 0; k < KEYS; k++) {
      args[k + 1] = "app:ctr:views:k" + k;
    }
    return (List<?>) server.command(args);
  }

  @Test
  void twoProcessesIncrementingTheSameKeysKeepExactTotalsInRedis(RedisServer server) throws Exception {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of());
    Map<String, Long> initial = new HashMap<>();
    for (int k = 0; k < KEYS; k += 10) {
      initial.put("k" + k, 1_000_000L + k); // counters the source already has
      source.put("k" + k, 1_000_000L + k);
    }
    int threads = 8;
    int perThread = 10_000;
    int checkpoints = 4;
    long[][] sums = new long[threads][KEYS];
    AtomicInteger seeds = new AtomicInteger();
    AtomicInteger quiescentChecks = new AtomicInteger();
    AtomicLong notIncreasing = new AtomicLong();
    AtomicReference<Throwable> checkFailure = new AtomicReference<>();
    CounterSeed<String> seed = key -> {
      seeds.incrementAndGet();
      return source.value(key);
    };
    SimpleMeterRegistry registryA = new SimpleMeterRegistry();
    SimpleMeterRegistry registryB = new SimpleMeterRegistry();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (HotsetRedis redisA = connect(server.uri()); HotsetRedis redisB = connect(server.uri());
        Counters<String> a = open(redisA, source, "a", seed, registryA);
        Counters<String> b = open(redisB, source, "b", seed, registryB)) {
      // at every barrier no increment is in flight (flushes may be): Redis must hold the exact sums
      CyclicBarrier quiescent = new CyclicBarrier(threads, () -> {
        try {
          List<?> totals = redisTotals(server);
          for (int k = 0; k < KEYS; k++) {
            long expected = initial.getOrDefault("k" + k, 0L);
            for (long[] s : sums) {
              expected += s[k];
            }
            Object total = totals.get(k);
            assertThat(total == null ? initial.getOrDefault("k" + k, 0L) : Long.parseLong((String) total))
                .as("Redis total of k%d at quiescent point %d", k, quiescentChecks.get()).isEqualTo(expected);
          }
          quiescentChecks.incrementAndGet();
        } catch (Throwable e) {
          checkFailure.compareAndSet(null, e);
        }
      });
      long t0 = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Counters<String> counters = t % 2 == 0 ? a : b;
        long[] mine = sums[t];
        done.add(pool.submit(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long[] last = new long[KEYS];
          for (int i = 1; i <= perThread; i++) {
            int k = random.nextInt(KEYS);
            long delta = 1 + random.nextInt(3);
            long total = counters.increment("k" + k, delta);
            mine[k] += delta; // this thread's own tally; the barrier publishes it to the checker
            if (total <= last[k]) {
              notIncreasing.incrementAndGet();
            }
            last[k] = total;
            if (i % (perThread / checkpoints) == 0) {
              quiescent.await(120, TimeUnit.SECONDS);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(600, TimeUnit.SECONDS);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (checkFailure.get() != null) {
        throw new AssertionError(checkFailure.get());
      }
      assertThat(quiescentChecks).hasValue(checkpoints);
      assertThat(notIncreasing).as("a thread's totals of one key only grow (positive deltas)").hasValue(0);

      assertThat(a.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(b.flush(Duration.ofSeconds(30))).isTrue();
      List<?> totals = redisTotals(server);
      Map<String, Long> rows = source.snapshot();
      long sum = 0;
      for (int k = 0; k < KEYS; k++) {
        long expected = initial.getOrDefault("k" + k, 0L);
        for (long[] s : sums) {
          expected += s[k];
        }
        sum += expected;
        assertThat(Long.parseLong((String) totals.get(k))).as("Redis total of k%d", k).isEqualTo(expected);
        assertThat(rows.get("k" + k)).as("source of k%d after flush", k).isEqualTo(expected);
        assertThat(a.get("k" + k)).isEqualTo(expected);
        assertThat(b.get("k" + k)).isEqualTo(expected);
      }
      assertThat(registryA.get("hotset.writebehind.totals.errors").counter().count()
          + registryB.get("hotset.writebehind.totals.errors").counter().count()).isZero();
      assertThat(seeds.get()).as("each key seeded by one process, or both at once").isBetween(KEYS, 2 * KEYS);
      System.out.printf("counter totals: %d increments (8 threads, 2 processes, %d keys) in %.1f s; "
          + "Redis totals exact at %d quiescent points and after flush (sum %d); %d seeds; source equal%n",
          threads * perThread, KEYS, seconds, checkpoints, sum, seeds.get());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Both processes find no total for a key and read the source before either stores it (forced
   * by a latch in the seed): the seed is stored once (SET NX) and both deltas land on it.
   */
  @Test
  void concurrentFirstTouchesFromTwoProcessesSeedOnce(RedisServer server) throws Exception {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of());
    int keys = 20;
    Map<String, CountDownLatch> bothSeeding = new ConcurrentHashMap<>();
    AtomicInteger seeds = new AtomicInteger();
    for (int k = 0; k < keys; k++) {
      source.put("fresh" + k, 500L + k);
      bothSeeding.put("fresh" + k, new CountDownLatch(2));
    }
    CounterSeed<String> seed = key -> {
      seeds.incrementAndGet();
      CountDownLatch latch = bothSeeding.get(key);
      latch.countDown();
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the other process never came to seed " + key);
      }
      return source.value(key);
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (HotsetRedis redisA = connect(server.uri()); HotsetRedis redisB = connect(server.uri());
        Counters<String> a = open(redisA, source, "a", seed, new SimpleMeterRegistry());
        Counters<String> b = open(redisB, source, "b", seed, new SimpleMeterRegistry())) {
      for (int k = 0; k < keys; k++) {
        String key = "fresh" + k;
        Future<Long> fromA = pool.submit(() -> a.increment(key, 1));
        Future<Long> fromB = pool.submit(() -> b.increment(key, 2));
        long seen = 500L + k;
        assertThat(List.of(fromA.get(20, TimeUnit.SECONDS), fromB.get(20, TimeUnit.SECONDS)))
            .as("the second to add saw the first's delta").contains(seen + 3);
        assertThat(server.command("GET", "app:ctr:views:" + key)).isEqualTo(Long.toString(seen + 3));
      }
      assertThat(seeds).as("both processes read the source for every key").hasValue(2 * keys);
      assertThat(a.flush(Duration.ofSeconds(10)) && b.flush(Duration.ofSeconds(10))).isTrue();
      for (int k = 0; k < keys; k++) {
        assertThat(source.value("fresh" + k)).isEqualTo(500L + k + 3);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void getSeedsAnUntouchedKeyOnceAndTheTotalHasNoTtl(RedisServer server) {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of());
    source.put("quiet", 42);
    AtomicInteger seeds = new AtomicInteger();
    CounterSeed<String> seed = key -> {
      seeds.incrementAndGet();
      return source.value(key);
    };
    try (HotsetRedis redisA = connect(server.uri()); HotsetRedis redisB = connect(server.uri());
        Counters<String> a = open(redisA, source, "a", seed, new SimpleMeterRegistry());
        Counters<String> b = open(redisB, source, "b", seed, new SimpleMeterRegistry())) {
      assertThat(a.get("quiet")).isEqualTo(42);
      assertThat(a.get("quiet")).isEqualTo(42);
      assertThat(b.get("quiet")).as("the other process reads the shared total").isEqualTo(42);
      assertThat(seeds).as("one source read in all").hasValue(1);
      assertThat(server.command("GET", "app:ctr:views:quiet")).isEqualTo("42");
      assertThat(server.command("TTL", "app:ctr:views:quiet")).as("no TTL").isEqualTo(-1L);
      assertThat(b.increment("quiet", 8)).isEqualTo(50);
      assertThat(a.get("quiet")).isEqualTo(50);
      assertThat(a.get("never")).isZero();
    }
  }

  /**
   * Redis unreachable for the totals (the journal is a local file): increments still succeed
   * and reach the source; the total misses exactly the deltas counted while it was down, and
   * deleting it re-seeds it from the source.
   */
  @Test
  void withTheTotalsUnreachableIncrementsStillReachTheSource(RedisServer server) throws Exception {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Path journal = Files.createTempDirectory("hotset-counters");
    try (TcpProxy proxy = new TcpProxy(server.port());
        HotsetRedis redis = connect("redis://127.0.0.1:" + proxy.port());
        Counters<String> views = Counters.open(WriteBehindSpec.counters("views", KeyFormat.standard(String.class))
            .sink(source).journalDirectory(journal).totals(redis.counterTotals("views")).seed(source::value)
            .meterRegistry(registry).flushInterval(Duration.ofMillis(100)).build())) {
      for (int i = 1; i <= 100; i++) {
        assertThat(views.increment("k", 1)).isEqualTo(i);
      }
      proxy.cut();
      long last = 0;
      for (int i = 0; i < 100; i++) {
        last = views.increment("k", 1);
      }
      assertThat(last).as("best effort: the last total seen plus this process's deltas").isEqualTo(200);
      double errors = registry.get("hotset.writebehind.totals.errors").counter().count();
      assertThat(errors).isEqualTo(100);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(source.value("k")).as("the source has every increment").isEqualTo(200);

      proxy.restore();
      // increment until Redis takes them again and the breaker has closed (its half-open trial is over)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      int after = 0;
      int reachedRedis = 0;
      while (System.nanoTime() < deadline) {
        views.increment("k", 1);
        after++;
        double now = registry.get("hotset.writebehind.totals.errors").counter().count();
        if (now == errors) {
          reachedRedis++;
          if (redis.health().circuit() == CircuitBreaker.State.CLOSED) {
            break;
          }
        }
        errors = now;
        Thread.sleep(100);
      }
      assertThat(redis.health().circuit()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(source.value("k")).isEqualTo(200 + after);
      assertThat(server.command("GET", "app:ctr:views:k")).as("the deltas counted while Redis was "
          + "unreachable are not in the total").isEqualTo(Long.toString(100 + reachedRedis));
      server.command("DEL", "app:ctr:views:k"); // an operator repairs it: the next read seeds from the source
      assertThat(views.get("k")).isEqualTo(200 + after);
    }
  }
}
