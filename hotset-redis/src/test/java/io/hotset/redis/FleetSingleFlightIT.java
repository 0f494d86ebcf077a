package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Acceptance 2: one expired hot key, 4 engines with their own Redis connections, 250 readers each -> 1 load. */
@WithRedis
class FleetSingleFlightIT {
  private static final int ENGINES = 4;
  private static final int READERS = 250;

  @Test
  void oneLoadForTheWholeFleet(RedisServer redis) throws Exception {
    redis.flushAll();
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch everyoneWaiting = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(ENGINES * READERS);
    try (Fleet fleet = new Fleet(redis.uri(), ENGINES)) {
      List<Region<String, String>> regions = new ArrayList<>();
      for (Hotset h : fleet.hotsets) {
        regions.add(h.region(RegionSpec.builder("hot", String.class, String.class)
            .ttl(Duration.ofSeconds(1)).ttlJitter(0).leaseTtl(Duration.ofSeconds(10))
            .loader(k -> {
              if (loads.incrementAndGet() == 1) {
                return "first";
              }
              // hold the load until all 1,000 readers have arrived (bounded)
              everyoneWaiting.await(10, TimeUnit.SECONDS);
              return "value";
            }).build()));
      }
      assertThat(regions.get(0).get("k")).isEqualTo("first");
      Thread.sleep(1_300); // expired everywhere: L1s and L2 (PX = hard expiry)
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger arrived = new AtomicInteger();
      List<Future<String>> results = new ArrayList<>();
      for (Region<String, String> region : regions) {
        for (int i = 0; i < READERS; i++) {
          results.add(pool.submit(() -> {
            start.await();
            if (arrived.incrementAndGet() == ENGINES * READERS) {
              Thread.sleep(200); // let the last ones reach the lease or the single flight
              everyoneWaiting.countDown();
            }
            return region.get("k");
          }));
        }
      }
      start.countDown();
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("value");
      }
      assertThat(loads.get()).as("1 initial load + 1 for the expiry across 4 engines x 250 readers").isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }
}
