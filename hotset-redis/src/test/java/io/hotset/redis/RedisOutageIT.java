package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.redis.internal.RedisConnector;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 4: kill -9 of Redis during a read load of cached keys: zero failed reads, loader
 * concurrency within the bulkhead, the breaker opens; after Redis restarts it closes and L2
 * fills again.
 */
@WithRedis
class RedisOutageIT {
  private static final int KEYS = 200;
  private static final int BULKHEAD = 4;

  @Test
  void redisKillMinus9IsASlowdownNotAnOutage(RedisServer redis) throws Exception {
    redis.flushAll();
    AtomicInteger inLoader = new AtomicInteger();
    AtomicInteger maxInLoader = new AtomicInteger();
    AtomicLong loads = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService readers = Executors.newFixedThreadPool(8);
    try (Fleet fleet = new Fleet(redis.uri(), 2)) {
      List<Region<Long, String>> regions = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        regions.add(fleet.get(i).region(RegionSpec.builder("product", Long.class, String.class)
            .ttl(Duration.ofMillis(800)).staleWhileRevalidate(Duration.ofMinutes(5))
            .maxConcurrentLoads(BULKHEAD).maxLoadWait(Duration.ofMillis(50))
            .loader(id -> {
              int c = inLoader.incrementAndGet();
              maxInLoader.accumulateAndGet(c, Math::max);
              try {
                loads.incrementAndGet();
                Thread.sleep(2);
                return "p" + id;
              } finally {
                inLoader.decrementAndGet();
              }
            }).build()));
      }
      for (Region<Long, String> r : regions) {
        for (long k = 0; k < KEYS; k++) {
          r.get(k);
        }
      }
      assertThat((Long) redis.command("DBSIZE")).isGreaterThanOrEqualTo(KEYS);
      for (int t = 0; t < 8; t++) {
        Region<Long, String> region = regions.get(t % 2);
        readers.execute(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (running.get() && System.nanoTime() < deadline) {
            long k = ThreadLocalRandom.current().nextLong(KEYS);
            try {
              String v = region.get(k);
              if (!("p" + k).equals(v)) {
                failures.incrementAndGet();
              }
            } catch (RuntimeException e) {
              failures.incrementAndGet();
              errors.add(e);
            }
            reads.incrementAndGet();
          }
        });
      }
      Thread.sleep(1_000);
      redis.kill(); // kill -9
      CircuitBreaker breaker = ((RedisConnector) fleet.redis.get(0)).breaker();
      boolean opened = false;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < until) {
        opened |= breaker.getState() == CircuitBreaker.State.OPEN;
        Thread.sleep(10);
      }
      long readsDuringOutage = reads.get();
      assertThat(fleet.redis.get(0).health().up()).as("health reports the outage").isFalse();
      redis.start(); // same port, empty
      long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (breaker.getState() != CircuitBreaker.State.CLOSED && System.nanoTime() < closeDeadline) {
        Thread.sleep(20);
      }
      CircuitBreaker.State after = breaker.getState();
      assertThat(fleet.redis.get(0).health().up()).as("health reports the recovery").isTrue();
      Thread.sleep(1_500); // entries expire and refresh through L2 again
      running.set(false);
      readers.shutdown();
      assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      long dbsize = (Long) redis.command("DBSIZE");
      System.out.printf("redis outage: %d reads (%d by the restart), %d failed, %d loads, max %d concurrent loads "
          + "(bulkhead %d), breaker opened=%s, after restart=%s, L2 keys after recovery=%d%n",
          reads.get(), readsDuringOutage, failures.get(), loads.get(), maxInLoader.get(), BULKHEAD * 2, opened, after,
          dbsize);
      assertThat(errors).isEmpty();
      assertThat(failures.get()).isZero();
      assertThat(maxInLoader.get()).as("two processes, bulkhead of 4 each").isLessThanOrEqualTo(2 * BULKHEAD);
      assertThat(opened).as("breaker opened during the outage").isTrue();
      assertThat(after).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(dbsize).as("L2 fills again after recovery").isPositive();
    } finally {
      running.set(false);
      readers.shutdownNow();
    }
  }
}
