package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Acceptance 2: 1,000 threads on one expired key load it once; with SWR none of them waits. */
class StampedeTest {
  private static final int THREADS = 1_000;
  private final FakeTicker ticker = new FakeTicker();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(registry).build();
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    hotset.close();
  }

  private double coalesced(String region) {
    return registry.get("hotset.coalesced").tag("region", region).counter().count();
  }

  @Test
  void thousandReadersOfAnExpiredKeyShareExactlyOneLoad() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Region<String, String> region = hotset.region(RegionSpec.builder("stampede", String.class, String.class)
        .ttl(Duration.ofSeconds(10)).ttlJitter(0).maxConcurrentLoads(4)
        .loader(key -> {
          int n = calls.incrementAndGet();
          if (n > 1) {
            // hold the load until every other reader has joined it (or 20 s pass)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (coalesced("stampede") < THREADS - 1 && System.nanoTime() < deadline) {
              Thread.sleep(1);
            }
          }
          return "v" + n;
        })
        .build());
    assertThat(region.get("hot")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(11));

    CountDownLatch start = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return region.get("hot");
      }));
    }
    start.countDown();
    for (Future<String> f : results) {
      assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("v2");
    }
    assertThat(calls.get()).as("loader calls: 1 initial + 1 for the expiry").isEqualTo(2);
    assertThat(coalesced("stampede")).isEqualTo(THREADS - 1);
  }

  @Test
  void withStaleWhileRevalidateAllReadersGetTheStaleValueAndOneRefreshRuns() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch releaseRefresh = new CountDownLatch(1);
    CountDownLatch refreshDone = new CountDownLatch(1);
    Region<String, String> region = hotset.region(RegionSpec.builder("swr", String.class, String.class)
        .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleWhileRevalidate(Duration.ofSeconds(60))
        .loader(key -> {
          int n = calls.incrementAndGet();
          if (n > 1) {
            try {
              releaseRefresh.await(30, TimeUnit.SECONDS);
            } finally {
              refreshDone.countDown();
            }
          }
          return "v" + n;
        })
        .build());
    assertThat(region.get("hot")).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(11));

    CountDownLatch start = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return region.get("hot");
      }));
    }
    start.countDown();
    // every reader returns while the refresh is still blocked: nobody waited for the load
    for (Future<String> f : results) {
      assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("v1");
    }
    assertThat(refreshDone.getCount()).as("the refresh is still running").isEqualTo(1);
    assertThat(calls.get()).as("exactly one refresh started").isEqualTo(2);
    releaseRefresh.countDown();
    assertThat(refreshDone.await(10, TimeUnit.SECONDS)).isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"v2".equals(region.getIfPresent("hot")) && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(region.get("hot")).isEqualTo("v2");
    assertThat(calls.get()).isEqualTo(2);
  }
}
