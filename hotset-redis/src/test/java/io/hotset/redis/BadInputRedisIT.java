package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Acceptance 7: oversize values and undecodable bytes. */
@WithRedis
class BadInputRedisIT {

  @Test
  void oversizeValuesAreRejectedBeforeAnyNetworkCall(RedisServer redis) {
    redis.flushAll();
    try (HotsetRedis r = HotsetRedis.builder().url(redis.uri()).keyPrefix("test").maxValueBytes(1024).build();
        io.hotset.Hotset hotset = io.hotset.Hotset.builder().l2(r.tier()).invalidationTransport(r.invalidations()).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("big", String.class, String.class)
          .ttl(Duration.ofMinutes(1)).loader(k -> "x".repeat(5_000)).build());
      redis.command("CONFIG", "RESETSTAT");
      assertThatThrownBy(() -> region.put("k", "y".repeat(5_000))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key 'k'").hasMessageContaining("limit of 1024 bytes");
      String stats = String.valueOf(redis.command("INFO", "commandstats"));
      assertThat(stats).doesNotContain("cmdstat_evalsha").doesNotContain("cmdstat_eval:").doesNotContain("cmdstat_set:");
      // a load of an oversize value is served and kept in L1 only
      assertThat(region.get("k2")).hasSize(5_000);
      assertThat(redis.command("EXISTS", "test:{big:k2}")).isEqualTo(0L);
    }
  }

  @Test
  void undecodableBytesAreAMissPlusATierErrorThenACleanReload(RedisServer redis) {
    redis.flushAll();
    AtomicInteger loads = new AtomicInteger();
    try (Fleet fleet = new Fleet(redis.uri(), 1)) {
      Region<String, String> region = fleet.get(0).region(RegionSpec.builder("g", String.class, String.class)
          .ttl(Duration.ofMinutes(1)).loader(k -> {
            loads.incrementAndGet();
            return "clean-" + k;
          }).build());
      redis.command("SET", "test:{g:1}", "garbage that is no envelope");
      // starts with the magic byte and is long enough that the script's freshness check reads a number
      redis.command("SET", "test:{g:2}", "h" + "\u007f".repeat(60));
      assertThat(region.get("1")).isEqualTo("clean-1");
      assertThat(region.get("2")).isEqualTo("clean-2");
      assertThat(loads.get()).isEqualTo(2);
      double errors = fleet.registries.get(0).get("hotset.tier.errors").tag("tier", "l2").counter().count();
      assertThat(errors).isEqualTo(2);
      assertThat(String.valueOf(redis.command("GET", "test:{g:1}"))).startsWith("h");
      assertThat(String.valueOf(redis.command("GET", "test:{g:2}"))).contains("clean-2");
    }
  }

  @Test
  void anUndecodableInvalidationMessageClearsL1RatherThanGoingUnheard(RedisServer redis) throws Exception {
    redis.flushAll();
    try (Fleet fleet = new Fleet(redis.uri(), 1)) {
      Region<String, String> region = fleet.get(0).region(RegionSpec.builder("m", String.class, String.class)
          .ttl(Duration.ofMinutes(10)).loader(k -> "v-" + k).build());
      region.get("1");
      assertThat(region.getIfPresent("1")).isNotNull();
      // what a publisher of an incompatible version could send: the reader cannot tell which keys it meant
      redis.command("PUBLISH", "test:invalidations", "{\"region\":\"m\",\"keys\":42}");
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (region.getIfPresent("1") != null && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(region.getIfPresent("1")).as("L1 cleared as after a possible loss").isNull();
    }
  }
}
