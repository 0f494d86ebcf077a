package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Acceptance 5: negative caching and the Bloom filter keep lookups of missing keys off the source. */
class NegativeCacheTest {
  private static final int EXISTING = 100_000;

  @Test
  void bloomFilterKeepsNinetyNinePercentOfMissingKeyLookupsOffTheLoader() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("bloom", Long.class, String.class)
          .ttl(Duration.ofMinutes(1))
          .bloomFilter(EXISTING, 0.005, () -> LongStream.range(0, EXISTING).boxed()::iterator)
          .loader(id -> {
            loads.incrementAndGet();
            return id < EXISTING ? "p" + id : null;
          })
          .build());
      SplittableRandom random = new SplittableRandom(1);
      int lookups = 100_000;
      for (int i = 0; i < lookups; i++) {
        long missing = EXISTING + random.nextLong(1_000_000_000_000L);
        assertThat(region.get(missing)).isNull();
      }
      System.out.printf("bloom: %d of %d missing-key lookups reached the loader (%.3f%%)%n",
          loads.get(), lookups, 100.0 * loads.get() / lookups);
      assertThat(loads.get()).isLessThanOrEqualTo(lookups / 100);
      // existing keys still load
      assertThat(region.get(42L)).isEqualTo("p42");
    }
  }

  @Test
  void withoutTheFilterEachMissingKeyLoadsOncePerNegativeTtl() {
    FakeTicker ticker = new FakeTicker();
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("negative", Long.class, String.class)
          .ttl(Duration.ofMinutes(1)).negativeTtl(Duration.ofSeconds(5))
          .loader(id -> {
            loads.incrementAndGet();
            return null;
          })
          .build());
      int distinct = 1_000;
      for (int round = 0; round < 10; round++) {
        for (long k = 0; k < distinct; k++) {
          assertThat(region.get(k)).isNull();
        }
        ticker.advance(Duration.ofMillis(400)); // 10 rounds = 4 s < negative TTL
      }
      assertThat(loads.get()).isEqualTo(distinct);
      ticker.advance(Duration.ofSeconds(2)); // past the negative TTL
      for (long k = 0; k < distinct; k++) {
        assertThat(region.get(k)).isNull();
      }
      assertThat(loads.get()).isEqualTo(2 * distinct);
    }
  }

  @Test
  void invalidatingAKeyTeachesTheBloomFilterThatItMayNowExist() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("bloom-new", Long.class, String.class)
          .ttl(Duration.ofMinutes(1))
          .bloomFilter(1_000, 0.001, () -> LongStream.range(0, 10).boxed()::iterator)
          .loader(id -> {
            loads.incrementAndGet();
            return "p" + id;
          })
          .build());
      long created = 5_000_000L;
      assertThat(region.get(created)).isNull(); // unknown to the filter: not loaded
      region.invalidate(created); // e.g. CDC saw the insert
      assertThat(region.get(created)).isEqualTo("p" + created);
    }
  }
}
