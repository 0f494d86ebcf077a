package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Acceptance 6: with the bulkhead full, misses fail fast with the shed exception or get stale data. */
class BulkheadTest {

  @Test
  void fullBulkheadShedsMissesFastOrServesStale() throws Exception {
    FakeTicker ticker = new FakeTicker();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(2);
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("bulkhead", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleIfError(Duration.ofMinutes(5))
          .maxConcurrentLoads(2).maxLoadWait(Duration.ofMillis(10))
          .loader(key -> {
            int c = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(c, Math::max);
            try {
              if (key.startsWith("slow")) {
                blocked.countDown();
                release.await(30, TimeUnit.SECONDS);
              }
              return "v-" + key;
            } finally {
              concurrent.decrementAndGet();
            }
          })
          .build());
      assertThat(region.get("old")).isEqualTo("v-old");
      ticker.advance(Duration.ofSeconds(11)); // "old" is expired but inside stale-if-error

      pool.execute(() -> region.get("slow-1"));
      pool.execute(() -> region.get("slow-2"));
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();

      long[] millis = new long[20];
      for (int i = 0; i < millis.length; i++) {
        String key = "new-" + i;
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> region.get(key))
            .isInstanceOfSatisfying(LoadShedException.class, e -> {
              assertThat(e.retryAfter()).isPositive();
              assertThat(e.getMessage()).contains("bulkhead", key);
            });
        millis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      }
      Arrays.sort(millis);
      System.out.println("bulkhead shed latency ms (sorted): " + Arrays.toString(millis));
      assertThat(millis[millis.length / 2]).as("median shed latency").isLessThan(50);

      long t0 = System.nanoTime();
      assertThat(region.get("old")).as("stale data instead of a shed").isEqualTo("v-old");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(500);

      release.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      assertThat(maxConcurrent.get()).isEqualTo(2);
      // no broken entry: once the bulkhead has room the same keys load normally
      assertThat(region.get("new-0")).isEqualTo("v-new-0");
      assertThat(region.get("old")).isEqualTo("v-old");
    } finally {
      pool.shutdownNow();
    }
  }
}
