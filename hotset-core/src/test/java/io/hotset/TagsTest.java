package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TagsTest {
  record Product(long id, long categoryId) {}

  @Test
  void invalidateTagDropsEveryEntryOfTheTagAndOnlyThose() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, Product> region = hotset.region(RegionSpec.builder("product", Long.class, Product.class)
          .ttl(Duration.ofMinutes(1))
          .tags(p -> List.of("category:" + p.categoryId()))
          .loader(id -> {
            loads.incrementAndGet();
            return new Product(id, id % 2);
          })
          .build());
      for (long i = 0; i < 10; i++) {
        region.get(i);
      }
      region.invalidateTag("category:1");
      for (long i = 0; i < 10; i++) {
        assertThat(region.getIfPresent(i) == null).as("key %s dropped", i).isEqualTo(i % 2 == 1);
      }
    }
  }

  @Test
  void anEntryRefilledAfterExpiryIsStillFoundByItsTag() {
    // Caffeine notifies the eviction of the expired entry inside the compute that refills it;
    // the tag index must end up holding the key for the new entry.
    FakeTicker ticker = new FakeTicker();
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, Product> region = hotset.region(RegionSpec.builder("product", Long.class, Product.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0)
          .tags(p -> List.of("category:" + p.categoryId()))
          .loader(id -> new Product(id, 7))
          .build());
      region.get(1L);
      ticker.advance(Duration.ofSeconds(11));
      region.get(1L); // refill over the expired entry
      assertThat(region.getIfPresent(1L)).isNotNull();
      region.invalidateTag("category:7");
      assertThat(region.getIfPresent(1L)).isNull();
    }
  }

  @Test
  void tagInvalidationReachesOtherProcesses() {
    LocalInvalidationBus bus = new LocalInvalidationBus();
    try (Hotset a = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).invalidationTransport(bus).build();
        Hotset b = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).invalidationTransport(bus).build()) {
      RegionSpec<Long, Product> spec = RegionSpec.builder("product", Long.class, Product.class)
          .ttl(Duration.ofMinutes(1)).tags(p -> List.of("category:" + p.categoryId()))
          .loader(id -> new Product(id, 3)).build();
      Region<Long, Product> ra = a.region(spec);
      Region<Long, Product> rb = b.region(spec);
      ra.get(1L);
      rb.get(1L);
      ra.invalidateTag("category:3");
      assertThat(ra.getIfPresent(1L)).isNull();
      assertThat(rb.getIfPresent(1L)).isNull();
      rb.get(2L);
      a.invalidate("product", List.of("2"), List.of(), "admin");
      assertThat(rb.getIfPresent(2L)).isNull();
    }
  }
}
