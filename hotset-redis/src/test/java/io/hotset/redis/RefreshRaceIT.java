package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.spi.Tier;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Two processes refresh the same key ahead of its expiry, interleaved on purpose: B finds in L2
 * the very value it is refreshing, and before B asks L2 again, A reloads the key, fills L2 and
 * releases its lease. B must take A's value, not load the key a second time (promise 3).
 */
@WithRedis
class RefreshRaceIT {

  @Test
  void aRefreshTakesTheValueAnotherProcessStoredBetweenItsTwoReads(RedisServer redis) throws Exception {
    redis.flushAll();
    AtomicInteger loads = new AtomicInteger();
    // runs once, inside B's second L2 read of its refresh, before that read reaches Redis
    AtomicReference<Runnable> beforeBsSecondRead = new AtomicReference<>();
    AtomicInteger bReadsArmed = new AtomicInteger(-1);
    try (HotsetRedis ra = HotsetRedis.builder().url(redis.uri()).keyPrefix("race").build();
         HotsetRedis rb = HotsetRedis.builder().url(redis.uri()).keyPrefix("race").build();
         Hotset a = Hotset.builder().l2(ra.tier()).invalidationTransport(ra.invalidations()).instanceId("a").build();
         Hotset b = Hotset.builder().l2(hooked(rb.tier(), bReadsArmed, beforeBsSecondRead))
             .invalidationTransport(rb.invalidations()).instanceId("b").build()) {
      Region<String, String> regionA = a.region(spec(loads));
      Region<String, String> regionB = b.region(spec(loads));
      assertThat(regionA.get("k")).isEqualTo("v1"); // A loads; L2 holds v1
      assertThat(regionB.get("k")).isEqualTo("v1"); // B takes v1 from L2: both L1s hold the same entry
      assertThat(loads.get()).isEqualTo(1);

      Thread.sleep(1_300); // past the refresh-ahead point (1 s of the 2 s TTL), before the expiry
      beforeBsSecondRead.set(() -> {
        regionA.get("k"); // A's hit starts A's own refresh ahead: it loads v2 and fills L2
        try {
          await(() -> "v2".equals(regionA.getIfPresent("k")), "A's refresh to fill L2 and its L1");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      bReadsArmed.set(0);
      assertThat(regionB.get("k")).isEqualTo("v1"); // B's hit starts B's refresh ahead
      await(() -> "v2".equals(regionB.getIfPresent("k")) || loads.get() > 2, "B's refresh to end");

      assertThat(bReadsArmed.get()).as("B's refresh read L2 twice, the hook ran between").isGreaterThanOrEqualTo(2);
      assertThat(loads.get()).as("v1 once, then one refresh for both processes").isEqualTo(2);
      assertThat(regionB.getIfPresent("k")).isEqualTo("v2");
    }
  }

  private static RegionSpec<String, String> spec(AtomicInteger loads) {
    return RegionSpec.builder("race", String.class, String.class)
        .ttl(Duration.ofSeconds(2)).ttlJitter(0).refreshAheadFraction(0.5).earlyRefreshBeta(0)
        .leaseTtl(Duration.ofSeconds(10))
        .loader(k -> "v" + loads.incrementAndGet())
        .build();
  }

  /** B's tier: when armed, runs the hook before the second readOrLease after arming. */
  private static Tier hooked(Tier delegate, AtomicInteger armedReads, AtomicReference<Runnable> hook) {
    return (Tier) Proxy.newProxyInstance(Tier.class.getClassLoader(), new Class<?>[] {Tier.class},
        (proxy, method, args) -> {
          if (method.getName().equals("readOrLease") && armedReads.get() >= 0
              && armedReads.incrementAndGet() == 2) {
            Runnable h = hook.getAndSet(null);
            if (h != null) {
              h.run();
            }
          }
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
