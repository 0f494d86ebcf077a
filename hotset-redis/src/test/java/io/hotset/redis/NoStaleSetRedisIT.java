package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 1: "load reads old value -> invalidation commits -> load tries to fill", forced with
 * latches; afterwards no tier (L2, any process's L1) holds the old value.
 */
@WithRedis
class NoStaleSetRedisIT {
  private final AtomicReference<String> source = new AtomicReference<>("5");
  private RedisServer redis;
  private Fleet fleet;

  @BeforeEach
  void start(RedisServer redis) {
    this.redis = redis;
    redis.flushAll();
    fleet = new Fleet(redis.uri(), 2);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  private RegionSpec<String, String> spec(CountDownLatch loaded, CountDownLatch proceed) {
    return RegionSpec.builder("price", String.class, String.class)
        .ttl(Duration.ofMinutes(10))
        .loader(id -> {
          String read = source.get();
          loaded.countDown();
          if (!proceed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("latch timed out");
          }
          return read;
        }).build();
  }

  private void assertNoTierHoldsTheOldValue(Region<String, String> a, Region<String, String> b) throws Exception {
    assertThat(a.getIfPresent("42")).isNull();
    assertThat(b.getIfPresent("42")).isNull();
    assertThat(redis.command("EXISTS", "test:{price:42}")).as("L2 holds nothing").isEqualTo(0L);
    assertThat(b.get("42")).isEqualTo("7");
    assertThat(a.get("42")).isEqualTo("7");
  }

  @Test
  void invalidationInTheSameProcessDuringTheLoad() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, String> a = fleet.get(0).region(spec(loaded, proceed));
    Region<String, String> b = fleet.get(1).region(spec(new CountDownLatch(1), new CountDownLatch(0)));
    CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> a.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    source.set("7");
    a.invalidate("42");
    proceed.countDown();
    assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo("5");
    assertNoTierHoldsTheOldValue(a, b);
  }

  @Test
  void invalidationFromAnotherProcessDuringTheLoad() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, String> a = fleet.get(0).region(spec(loaded, proceed));
    Region<String, String> b = fleet.get(1).region(spec(new CountDownLatch(1), new CountDownLatch(0)));
    CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> a.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    source.set("7");
    b.invalidate("42"); // revokes A's lease in Redis; the broadcast to A may arrive after A's fill
    proceed.countDown();
    reader.get(10, TimeUnit.SECONDS);
    assertNoTierHoldsTheOldValue(a, b);
  }
}
