package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Hot keys are found with a sketch, kept in L1 even when L1 is off or small; cold keys never are. */
class HotKeysTest {

  /** Counts reads that reach L2 per key. */
  static final class CountingTier extends InMemoryTierAccess {
    final AtomicLong hotReads = new AtomicLong();

    @Override
    public java.util.concurrent.CompletableFuture<byte[]> get(String key) {
      if (key.endsWith(":hot")) {
        hotReads.incrementAndGet();
      }
      return super.get(key);
    }
  }

  @Test
  void aViralKeyInARegionWithoutL1StopsHittingL2() {
    CountingTier l2 = new CountingTier();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("viral", String.class, String.class)
          .ttl(Duration.ofMinutes(5)).l1(false).loader(k -> "v-" + k).build());
      SplittableRandom random = new SplittableRandom(3);
      for (int i = 0; i < 50_000; i++) {
        String key = random.nextInt(100) < 20 ? "hot" : "cold-" + random.nextInt(100_000);
        assertThat(region.get(key)).isEqualTo("v-" + key);
      }
      assertThat(region.hotKeys()).containsExactly("hot");
      long before = l2.hotReads.get();
      for (int i = 0; i < 10_000; i++) {
        region.get("hot");
      }
      assertThat(l2.hotReads.get() - before).as("hot key reads that still reach L2").isZero();
      assertThat(region.getIfPresent("cold-1")).as("cold keys stay out of the disabled L1").isNull();
      // an invalidation still removes the pinned copy
      region.invalidate("hot");
      assertThat(region.getIfPresent("hot")).isNull();
    }
  }

  @Test
  void uniformTrafficMakesNoKeyHot() {
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Integer, String> region = hotset.region(RegionSpec.builder("uniform", Integer.class, String.class)
          .ttl(Duration.ofMinutes(5)).maximumSize(100).loader(k -> "v").build());
      SplittableRandom random = new SplittableRandom(4);
      for (int i = 0; i < 200_000; i++) {
        region.get(random.nextInt(100_000));
      }
      assertThat(region.hotKeys()).isEmpty();
    }
  }

  @Test
  void hotKeysSurviveAColdScanOfASmallL1() {
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      AtomicLong hotLoads = new AtomicLong();
      Region<String, String> region = hotset.region(RegionSpec.builder("small", String.class, String.class)
          .ttl(Duration.ofMinutes(5)).maximumSize(20).loader(k -> {
            if (k.equals("hot")) {
              hotLoads.incrementAndGet();
            }
            return "v-" + k;
          }).build());
      // the hot key misses often enough to be detected while L1 churns through cold keys
      SplittableRandom random = new SplittableRandom(5);
      for (int i = 0; i < 100_000 && region.hotKeys().isEmpty(); i++) {
        region.get(random.nextInt(10) == 0 ? "hot" : "cold-" + random.nextInt(1_000_000));
        if (i % 7 == 0) {
          region.invalidate("hot"); // force misses of the hot key so it is counted
        }
      }
      assertThat(region.hotKeys()).containsExactly("hot");
      region.get("hot");
      long loads = hotLoads.get();
      for (int i = 0; i < 20_000; i++) {
        region.get("cold-scan-" + i);
      }
      assertThat(region.getIfPresent("hot")).as("pinned through a scan of 20,000 cold keys").isNotNull();
      region.get("hot");
      assertThat(hotLoads.get()).isEqualTo(loads);
    }
  }
}
