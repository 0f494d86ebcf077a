package io.hotset.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.Counters;
import io.hotset.HotsetException;
import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.CounterTotals;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.ValueCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counters with running totals in this process (the default) and with totals that fail. */
class CountersTest {
  @TempDir
  Path dir;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private WriteBehindSpec.Builder<Integer, Long> views(MemorySink<Integer> source) {
    return WriteBehindSpec.counters("views", KeyFormat.standard(Integer.class)).sink(source)
        .journalDirectory(dir).journalDurability(WriteBehindSpec.Durability.PROCESS_CRASH)
        .meterRegistry(registry).flushInterval(Duration.ofMillis(20)).maxBatch(500)
        .seed(key -> value(source, key));
  }

  private static long value(MemorySink<Integer> source, int key) {
    synchronized (source) {
      return source.rows.getOrDefault(key, 0L);
    }
  }

  @Test
  void aTotalStartsFromTheSourcesValueAndIncludesUnflushedDeltas() {
    MemorySink<Integer> source = new MemorySink<>(true);
    source.rows.put(1, 1_000L);
    try (Counters<Integer> views = Counters.open(views(source).flushInterval(Duration.ofHours(1)).build())) {
      assertThat(views.increment(1, 5)).isEqualTo(1_005);
      assertThat(views.increment(1, -2)).isEqualTo(1_003);
      assertThat(views.get(1)).isEqualTo(1_003);
      assertThat(views.get(2)).as("never touched: the source's value").isZero();
      assertThat(views.increment(2, 1)).isEqualTo(1);
      assertThat(views.pending()).isEqualTo(3);
      assertThat(value(source, 1)).as("not flushed yet").isEqualTo(1_000);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(value(source, 1)).isEqualTo(views.get(1)).isEqualTo(1_003);
      assertThat(value(source, 2)).isEqualTo(1);
    }
  }

  @Test
  void eightThreadsCountExactlyAndTheSourceEndsEqualToTheTotals() throws Exception {
    MemorySink<Integer> source = new MemorySink<>(true);
    for (int k = 0; k < 50; k += 5) {
      source.rows.put(k, 1_000_000L * k);
    }
    Map<Integer, Long> initial = new HashMap<>(source.rows);
    int threads = 8;
    int perThread = 5_000;
    long[][] sums = new long[threads][50];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Counters<Integer> views = Counters.open(views(source).build())) {
      for (int t = 0; t < threads; t++) {
        long[] mine = sums[t];
        pool.execute(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < perThread; i++) {
            int key = random.nextInt(50);
            long delta = random.nextInt(-1, 4);
            views.increment(key, delta);
            mine[key] += delta;
          }
        });
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      for (int k = 0; k < 50; k++) {
        long expected = initial.getOrDefault(k, 0L);
        for (long[] s : sums) {
          expected += s[k];
        }
        assertThat(views.get(k)).as("total of %d", k).isEqualTo(expected);
        assertThat(value(source, k)).as("source of %d", k).isEqualTo(expected);
      }
    }
  }

  /**
   * The race the flush hold closes: a delta journaled, then flushed into the source before its
   * first-touch seed reads the source, then added to that seed: counted twice. The seed here
   * asks for a flush at exactly that moment; the delta must stay out of the source until its
   * total is updated.
   */
  @Test
  void aFlushBetweenTheJournalAndTheSeedDoesNotCountTheDeltaTwice() {
    MemorySink<Integer> source = new MemorySink<>(true);
    source.rows.put(7, 100L);
    AtomicReference<Counters<Integer>> self = new AtomicReference<>();
    AtomicBoolean flushedDuringSeed = new AtomicBoolean(true);
    try (Counters<Integer> views = Counters.open(views(source).seed(key -> {
      flushedDuringSeed.set(self.get().flush(Duration.ofMillis(300)));
      return value(source, key);
    }).build())) {
      self.set(views);
      assertThat(views.increment(7, 1)).isEqualTo(101);
      assertThat(flushedDuringSeed).as("the delta was held from the flusher during its seed").isFalse();
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(value(source, 7)).isEqualTo(views.get(7)).isEqualTo(101);
    }
  }

  /** Totals that fail while {@code down} (Redis with an open breaker, say). */
  static final class FlakyTotals implements CounterTotals {
    final Map<String, Long> totals = new HashMap<>();
    final AtomicBoolean down = new AtomicBoolean();

    @Override
    public synchronized long incrementBy(String key, long delta, LongSupplier seed) throws Exception {
      check();
      if (!totals.containsKey(key)) {
        totals.put(key, seed.getAsLong());
      }
      return totals.merge(key, delta, Long::sum);
    }

    @Override
    public synchronized OptionalLong get(String key) throws Exception {
      check();
      Long v = totals.get(key);
      return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    private void check() throws java.io.IOException {
      if (down.get()) {
        throw new java.io.IOException("totals unreachable");
      }
    }
  }

  @Test
  void failingTotalsNeverFailAnIncrementAndAnswerBestEffort() {
    MemorySink<Integer> source = new MemorySink<>(true);
    source.rows.put(2, 50L);
    FlakyTotals totals = new FlakyTotals();
    AtomicBoolean sourceDown = new AtomicBoolean();
    try (Counters<Integer> views = Counters.open(views(source).totals(totals).seed(key -> {
      if (sourceDown.get()) {
        throw new java.sql.SQLTransientConnectionException("source down");
      }
      return value(source, key);
    }).build())) {
      assertThat(views.increment(1, 10)).isEqualTo(10);
      totals.down.set(true);
      assertThat(views.increment(1, 1)).as("the last total seen plus the delta").isEqualTo(11);
      assertThat(views.increment(2, 1)).as("never seen: the source's value plus the delta").isEqualTo(51);
      assertThat(views.get(1)).isEqualTo(11);
      sourceDown.set(true);
      assertThat(views.increment(3, 4)).as("nothing known: the delta alone").isEqualTo(4);
      assertThatThrownBy(() -> views.get(4)).isInstanceOf(HotsetException.class)
          .hasMessageContaining("counters 'views'").hasMessageContaining("'4'").hasMessageContaining("source down");
      assertThat(registry.get("hotset.writebehind.totals.errors").counter().count()).isEqualTo(6);
      sourceDown.set(false);
      assertThat(views.flush(Duration.ofSeconds(10))).as("every increment is durable").isTrue();
      assertThat(source.snapshot()).containsEntry(1, 11L).containsEntry(2, 51L).containsEntry(3, 4L);
      totals.down.set(false);
      assertThat(views.get(1)).as("the total missed the delta counted while it was down").isEqualTo(10);
      assertThat(views.get(3)).as("a key first seeded after its flush is exact").isEqualTo(4);
    }
  }

  @Test
  void aDeadLetteredDeltaIsTakenBackOutOfTheTotal() {
    MemorySink<Integer> source = new MemorySink<>(true);
    source.rows.put(3, 7L);
    try (Counters<Integer> views = Counters.open(views(source).sink(DeadLetterTest.rejecting(source)).build())) {
      for (int i = 0; i < 100; i++) {
        views.increment(i % 10, 1);
      }
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(views.get(3)).as("key 3's deltas never reach the source").isEqualTo(7);
      assertThat(views.get(4)).isEqualTo(10);
      assertThat(source.total()).isEqualTo(7 + 90);
    }
  }

  @Test
  void concurrentFirstTouchesSeedOnceAndCountEveryDelta() throws Exception {
    MemorySink<Integer> source = new MemorySink<>(true);
    source.rows.put(9, 1_000L);
    AtomicInteger seeds = new AtomicInteger();
    java.util.concurrent.CountDownLatch bothSeeding = new java.util.concurrent.CountDownLatch(2);
    try (Counters<Integer> views = Counters.open(views(source).seed(key -> {
      seeds.incrementAndGet();
      bothSeeding.countDown();
      assertThat(bothSeeding.await(10, TimeUnit.SECONDS)).isTrue();
      return value(source, key);
    }).build())) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      var a = pool.submit(() -> views.increment(9, 1));
      var b = pool.submit(() -> views.increment(9, 2));
      assertThat(java.util.List.of(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS)))
          .as("one saw the other's delta").containsAnyOf(1_003L).containsAnyOf(1_001L, 1_002L);
      pool.shutdown();
      assertThat(seeds).as("both read the source: neither had a total").hasValue(2);
      assertThat(views.get(9)).isEqualTo(1_003);
    }
  }

  @Test
  void badSpecsAndArgumentsAreRejectedNamingWhatIsWrong() {
    MemorySink<Integer> source = new MemorySink<>(true);
    ValueCodec<Long> text = new ValueCodec<>() {
      @Override
      public byte[] encode(Long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
      }

      @Override
      public Long decode(byte[] bytes) {
        return Long.valueOf(new String(bytes, StandardCharsets.US_ASCII));
      }
    };
    WriteBehindSpec<Integer, Long> values = WriteBehindSpec.builder("prices", KeyFormat.standard(Integer.class), text)
        .sink(source).journalDirectory(dir).meterRegistry(registry).build();
    assertThatThrownBy(() -> Counters.open(values)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'prices'").hasMessageContaining("stores values");
    assertThatThrownBy(() -> WriteBehindSpec.builder("prices", KeyFormat.standard(Integer.class), text)
        .sink(source).journalDirectory(dir).totals(new FlakyTotals()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'prices'")
        .hasMessageContaining("totals and seed are for counters");
    WriteBehindSpec<Integer, Long> noSeed = WriteBehindSpec.counters("likes", KeyFormat.standard(Integer.class))
        .sink(source).journalDirectory(dir).meterRegistry(registry).build();
    assertThatThrownBy(() -> Counters.open(noSeed)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'likes'").hasMessageContaining("needs seed(...)");
    WriteBehindSpec<Integer, Long> withTotals = views(source).build();
    assertThatThrownBy(() -> WriteBehind.open(withTotals)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'views'").hasMessageContaining("Counters.open");
    assertThatThrownBy(() -> views(source).totals(null)).isInstanceOf(NullPointerException.class).hasMessage("totals");
    assertThatThrownBy(() -> views(source).seed(null)).isInstanceOf(NullPointerException.class).hasMessage("seed");
    try (Counters<Integer> views = Counters.open(views(source).build())) {
      assertThatThrownBy(() -> views.increment(null, 1)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("counters 'views'");
      assertThatThrownBy(() -> views.get(null)).isInstanceOf(NullPointerException.class);
      assertThat(views.pending()).isZero();
    }
  }
}
