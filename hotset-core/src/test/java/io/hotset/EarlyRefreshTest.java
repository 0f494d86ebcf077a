package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Acceptance 3 (engine): early refreshes rise towards expiry as XFetch predicts, one in flight per key. */
class EarlyRefreshTest {
  private static final long DELTA = TimeUnit.MILLISECONDS.toNanos(200);
  private static final double BETA = 1.0;

  @Test
  void shareOfReadsThatRefreshEarlyFollowsXfetch() {
    FakeTicker ticker = new FakeTicker();
    SplittableRandom seeded = new SplittableRandom(7);
    AtomicInteger loads = new AtomicInteger();
    // A direct executor runs each refresh inside the read; refreshes fail, so the entry (and its
    // expiry) stays put and every read samples the same probability.
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry())
        .random(() -> 1.0 - seeded.nextDouble()).executor(Runnable::run).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("xfetch", String.class, String.class)
          .ttl(Duration.ofSeconds(60)).ttlJitter(0).earlyRefreshBeta(BETA)
          .loader(key -> {
            if (loads.incrementAndGet() == 1) {
              ticker.advanceNanos(DELTA); // the first load "takes" 200 ms: XFetch's delta
              return "v1";
            }
            throw new IllegalStateException("refresh fails on purpose");
          })
          .build());
      assertThat(region.get("k")).isEqualTo("v1");
      long expiry = ticker.read() + TimeUnit.SECONDS.toNanos(60);
      int reads = 20_000;
      double previous = -1;
      for (double k : new double[] {5, 3, 2, 1, 0.5, 0.2}) {
        long now = expiry - (long) (k * DELTA * BETA);
        ticker.advanceNanos(now - ticker.read());
        int before = loads.get();
        for (int i = 0; i < reads; i++) {
          assertThat(region.get("k")).isEqualTo("v1");
        }
        double observed = (double) (loads.get() - before) / reads;
        double expected = Math.exp(-k);
        double sigma = Math.sqrt(expected * (1 - expected) / reads);
        assertThat(observed).as("refresh share %s deltas before expiry", k)
            .isBetween(expected - 5 * sigma, expected + 5 * sigma);
        assertThat(observed).isGreaterThan(previous);
        previous = observed;
      }
    }
  }

  @Test
  void atMostOneEarlyRefreshInFlightPerKey() throws Exception {
    FakeTicker ticker = new FakeTicker();
    AtomicInteger loads = new AtomicInteger();
    AtomicInteger inLoader = new AtomicInteger();
    AtomicInteger maxInLoader = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService readers = Executors.newFixedThreadPool(8);
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("xfetch1", String.class, String.class)
          .ttl(Duration.ofSeconds(60)).ttlJitter(0).earlyRefreshBeta(BETA)
          .loader(key -> {
            int n = loads.incrementAndGet();
            int now = inLoader.incrementAndGet();
            maxInLoader.accumulateAndGet(now, Math::max);
            try {
              if (n == 1) {
                ticker.advanceNanos(DELTA);
              } else {
                release.await(20, TimeUnit.SECONDS);
              }
              return "v" + n;
            } finally {
              inLoader.decrementAndGet();
            }
          })
          .build());
      region.get("k");
      // 0.1 delta before expiry: ~90% of reads want an early refresh
      ticker.advanceNanos(TimeUnit.SECONDS.toNanos(60) - DELTA / 10);
      CountDownLatch done = new CountDownLatch(8);
      for (int t = 0; t < 8; t++) {
        readers.execute(() -> {
          for (int i = 0; i < 5_000; i++) {
            region.get("k");
          }
          done.countDown();
        });
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      // The refresh runs on another thread: on a loaded machine it may start only after the
      // readers are done. It then blocks until released, so a second one would show as 3.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (loads.get() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(loads.get()).as("40,000 reads near expiry started exactly one refresh").isEqualTo(2);
      release.countDown();
      assertThat(maxInLoader.get()).isEqualTo(1);
    } finally {
      readers.shutdownNow();
    }
  }
}
