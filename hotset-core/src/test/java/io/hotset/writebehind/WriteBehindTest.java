package io.hotset.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.WriteBehind;
import io.hotset.WriteBehindFullException;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.KeyFormat;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindTest {
  @TempDir
  Path dir;

  private WriteBehindSpec.Builder<Integer, Long> counters(MemorySink<Integer> sink, SimpleMeterRegistry registry) {
    return WriteBehindSpec.counters("views", KeyFormat.standard(Integer.class)).sink(sink)
        .journalDirectory(dir).meterRegistry(registry);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "journal durability {0}")
  @org.junit.jupiter.params.provider.EnumSource(WriteBehindSpec.Durability.class)
  void hundredThousandIncrementsOverAThousandKeysCoalesce(WriteBehindSpec.Durability durability) throws Exception {
    MemorySink<Integer> sink = new MemorySink<>(true);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Duration interval = Duration.ofSeconds(1);
    int threads = 50; // request threads: each fsync of the journal group-commits their appends
    assertThat(100_000 % threads).isZero();
    ExecutorService writers = Executors.newFixedThreadPool(threads);
    try (WriteBehind<Integer, Long> views = WriteBehind.open(counters(sink, registry).flushInterval(interval)
        .journalDurability(durability).maxBatch(50_000).maxPending(200_000).build())) {
      long start = System.nanoTime();
      int perThread = 100_000 / threads; // threads divides 100,000
      for (int t = 0; t < threads; t++) {
        int thread = t;
        writers.execute(() -> {
          // 100,000 increments in all, paced over about 10 s
          for (int i = 0; i < perThread; i++) {
            views.write((thread * perThread + i) % 1_000, 1L);
            if (i % 25 == 24) {
              long due = start + TimeUnit.MILLISECONDS.toNanos(10_000L * (i + 1) / perThread);
              long sleep = due - System.nanoTime();
              if (sleep > 0) {
                try {
                  TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException e) {
                  return;
                }
              }
            }
          }
        });
      }
      writers.shutdown();
      assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      double seconds = (System.nanoTime() - start) / 1e9;
      long flushes = sink.applies.get();
      Timer lag = registry.get("hotset.writebehind.flush.lag").timer();
      double p99 = 0;
      for (ValueAtPercentile v : lag.takeSnapshot().percentileValues()) {
        if (v.percentile() == 0.99) {
          p99 = v.value(TimeUnit.SECONDS);
        }
      }
      System.out.printf("coalescing (%s): 100000 increments in %.1f s -> %d source writes in %d flushes "
          + "(bound keys x flushes = %d); flush lag p99 %.2f s (interval %d s)%n",
          durability, seconds, sink.rowWrites.get(), flushes, 1_000 * flushes, p99, interval.toSeconds());
      if (durability == WriteBehindSpec.Durability.PROCESS_CRASH) {
        assertThat(seconds).as("the paced 10 s load is not slowed by the journal").isLessThan(12.0);
      }
      assertThat(sink.total()).as("counters exact").isEqualTo(100_000);
      assertThat(sink.snapshot()).hasSize(1_000).allSatisfy((k, v) -> assertThat(v).isEqualTo(100));
      assertThat(sink.rowWrites.get()).isLessThanOrEqualTo(1_000 * flushes);
      assertThat(flushes).as("coalesced into few flushes").isLessThanOrEqualTo(30);
      assertThat(p99).as("flush lag p99 within interval + 1 s").isLessThanOrEqualTo(interval.toSeconds() + 1.0);
    }
  }

  @Test
  void rejectPolicyFailsFastWhenFullAndNothingAcknowledgedIsDropped() {
    MemorySink<Integer> sink = new MemorySink<>(true);
    sink.down.set(true);
    try (WriteBehind<Integer, Long> views = WriteBehind.open(counters(sink, new SimpleMeterRegistry())
        .fullPolicy(WriteBehindSpec.FullPolicy.REJECT).maxPending(500).maxBatch(100)
        .flushInterval(Duration.ofMillis(50)).retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100)).build())) {
      long acked = 0;
      for (int i = 0; i < 500; i++) {
        views.write(i % 10, 1L);
        acked++;
      }
      assertThat(views.pending()).isEqualTo(500);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> views.write(1, 1L)).isInstanceOf(WriteBehindFullException.class)
          .hasMessageContaining("500 unflushed").hasMessageContaining("rejected");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(50);
      sink.down.set(false); // the source comes back: the queue drains
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(sink.total()).isEqualTo(acked);
      views.write(1, 1L); // room again
    }
  }

  @Test
  void blockPolicyWaitsThenFailsAndRecoveryDrains() {
    MemorySink<Integer> sink = new MemorySink<>(true);
    sink.down.set(true);
    try (WriteBehind<Integer, Long> views = WriteBehind.open(counters(sink, new SimpleMeterRegistry())
        .fullPolicy(WriteBehindSpec.FullPolicy.BLOCK).maxBlock(Duration.ofMillis(200)).maxPending(300).maxBatch(100)
        .flushInterval(Duration.ofMillis(50)).retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100)).build())) {
      for (int i = 0; i < 300; i++) {
        views.write(i % 7, 2L);
      }
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> views.write(1, 2L)).isInstanceOf(WriteBehindFullException.class)
          .hasMessageContaining("waited 200 ms");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(150L, 2_000L);
      sink.down.set(false);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(sink.total()).isEqualTo(600);
    }
  }

  @Test
  void aRestartReplaysExactlyWhatTheSourceHasNotSeen() throws Exception {
    MemorySink<Integer> sink = new MemorySink<>(true);
    AtomicLong acked = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean crashed = new java.util.concurrent.atomic.AtomicBoolean();
    // the first process's view of the source: after the "crash" it can reach nothing
    io.hotset.spi.WriteBehindSink<Integer, Long> fenced = new io.hotset.spi.WriteBehindSink<>() {
      @Override
      public long appliedThrough(String id) {
        return sink.appliedThrough(id);
      }

      @Override
      public void apply(java.util.Map<Integer, Long> merged, String id, long through) throws Exception {
        if (crashed.get()) {
          throw new IllegalStateException("process is dead");
        }
        sink.apply(merged, id, through);
      }
    };
    WriteBehind<Integer, Long> first = WriteBehind.open(WriteBehindSpec.counters("views", KeyFormat.standard(Integer.class))
        .sink(fenced).journalDirectory(dir).meterRegistry(new SimpleMeterRegistry())
        .flushInterval(Duration.ofMillis(20)).maxBatch(100).build());
    for (int i = 0; i < 1_000; i++) {
      first.write(i % 10, 1L);
      acked.incrementAndGet();
      if (i == 500) {
        assertThat(first.flush(Duration.ofSeconds(5))).isTrue(); // part is applied (checkpoint moves)
        crashed.set(true); // the rest is only in the journal
      }
    }
    assertThat(sink.total()).isLessThan(acked.get());
    // no close(): a crash. A new process opens the same journal and the same source.
    try (WriteBehind<Integer, Long> second = WriteBehind.open(counters(sink, new SimpleMeterRegistry())
        .flushInterval(Duration.ofMillis(20)).maxBatch(100).build())) {
      assertThat(second.flush(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(sink.total()).as("every acknowledged increment exactly once").isEqualTo(acked.get());
  }
}
