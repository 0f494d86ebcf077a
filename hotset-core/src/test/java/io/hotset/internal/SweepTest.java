package io.hotset.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.FakeTicker;
import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dead entries (past their hard deadline) are never served and the sweeper frees their slots. */
class SweepTest {
  record Item(long id) {}

  @Test
  void sweepRemovesOnlyEntriesPastTheirHardDeadlineAndTheirTags() {
    FakeTicker ticker = new FakeTicker();
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, Item> region = hotset.region(RegionSpec.builder("sweep", Long.class, Item.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleIfError(Duration.ofSeconds(10))
          .tags(i -> List.of("t" + i.id()))
          .loader(Item::new).build());
      DefaultRegion<Long, Item> internal = (DefaultRegion<Long, Item>) region;
      region.get(1L);
      ticker.advance(Duration.ofSeconds(5));
      region.get(2L);
      ticker.advance(Duration.ofSeconds(16)); // 1 is past 10 s + 10 s; 2 is not
      assertThat(region.getIfPresent(1L)).isNull();
      assertThat(internal.sweepExpired()).isEqualTo(1);
      assertThat(region.estimatedSize()).isEqualTo(1);
      assertThat(internal.tagIndexSize()).isEqualTo(1);
      assertThat(internal.sweepInterval()).isEqualTo(Duration.ofSeconds(5));
    }
  }
}
