package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Design, "Read replicas": a fill after an invalidation must read a source at least as new as the
 * change behind it. The region remembers the position an invalidation carried and tells the next
 * loads of the key ({@link Loader#load(Object, long)}), here and in other processes.
 */
class SourcePositionTest {
  /** Records the position each load of a key was asked for. */
  static final class Recording {
    final Map<Long, Long> asked = new ConcurrentHashMap<>();

    Loader<Long, String> loader() {
      return Loader.positioned((id, min) -> {
        asked.put(id, min);
        return "v" + id;
      });
    }
  }

  private static RegionSpec.Builder<Long, String> spec(Loader<Long, String> loader) {
    return RegionSpec.builder("product", Long.class, String.class).ttl(Duration.ofMinutes(5)).ttlJitter(0)
        .tags(v -> List.of("all")).loader(loader);
  }

  @Test
  void theNextFillOfAnInvalidatedKeyIsAskedForItsPositionOthersForAny() {
    Recording rec = new Recording();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec(rec.loader()).build());
      region.get(1L);
      assertThat(rec.asked).containsEntry(1L, Loader.ANY_POSITION);
      region.invalidate(1L, 0x16_B374_D848L);
      region.get(1L);
      region.get(2L);
      assertThat(rec.asked).containsEntry(1L, 0x16_B374_D848L).containsEntry(2L, Loader.ANY_POSITION);
      region.invalidate(1L, 0x10L); // an older position never lowers the floor
      region.get(1L);
      assertThat(rec.asked).containsEntry(1L, 0x16_B374_D848L);
    }
  }

  @Test
  void thePositionIsForgottenAfterTheRetention() {
    FakeTicker ticker = new FakeTicker();
    Recording rec = new Recording();
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec(rec.loader())
          .sourcePositionRetention(Duration.ofSeconds(30)).build());
      region.invalidate(7L, 500L);
      ticker.advance(Duration.ofSeconds(29));
      region.get(7L);
      assertThat(rec.asked).containsEntry(7L, 500L);
      region.invalidate(7L); // no position: the remembered one still holds
      ticker.advance(Duration.ofSeconds(2));
      region.get(7L);
      assertThat(rec.asked).containsEntry(7L, Loader.ANY_POSITION);
    }
  }

  @Test
  void anotherProcessRemembersThePositionItWasBroadcast() {
    LocalInvalidationBus bus = new LocalInvalidationBus();
    Recording recA = new Recording();
    Recording recB = new Recording();
    try (Hotset a = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).invalidationTransport(bus).build();
        Hotset b = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).invalidationTransport(bus).build()) {
      Region<Long, String> ra = a.region(spec(recA.loader()).build());
      Region<Long, String> rb = b.region(spec(recB.loader()).build());
      rb.get(3L);
      ra.invalidate(3L, 900L);
      assertThat(rb.getIfPresent(3L)).isNull();
      rb.get(3L);
      assertThat(recB.asked).containsEntry(3L, 900L);
      // change data capture's path, with a tag: every key of the region is held to the position
      a.invalidateConfirmed("product", List.of("4"), List.of("all"), "cdc", System.currentTimeMillis(), 1_000L);
      rb.get(4L);
      rb.get(5L);
      ra.get(6L);
      assertThat(recB.asked).containsEntry(4L, 1_000L).containsEntry(5L, 1_000L);
      assertThat(recA.asked).containsEntry(6L, 1_000L);
    }
  }

  @Test
  void strongReadsAskForTheNewestAndPlainLoadersAreUnaffected() {
    Recording rec = new Recording();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec(rec.loader()).build());
      region.getStrong(9L);
      assertThat(rec.asked).containsEntry(9L, Loader.NEWEST);
      Region<Long, String> plain = hotset.region(RegionSpec.builder("plain", Long.class, String.class)
          .ttl(Duration.ofMinutes(1)).loader(id -> "p" + id).build());
      plain.invalidate(1L, 77L);
      assertThat(plain.get(1L)).isEqualTo("p1");
    }
  }

  @Test
  void batchFillsLoadKeysWithAPositionOneByOneThroughTheLoader() {
    Recording rec = new Recording();
    Map<Long, Integer> batched = new ConcurrentHashMap<>();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec(rec.loader()).batchLoader(keys -> {
        Map<Long, String> out = new java.util.HashMap<>();
        for (Long k : keys) {
          batched.merge(k, 1, Integer::sum);
          out.put(k, "v" + k);
        }
        return out;
      }).build());
      region.invalidate(2L, 42L);
      assertThat(region.getAll(List.of(1L, 2L, 3L))).containsOnlyKeys(1L, 2L, 3L);
      assertThat(batched).containsOnlyKeys(1L, 3L);
      assertThat(rec.asked).containsOnly(Map.entry(2L, 42L));
    }
  }

  @Test
  void aNegativePositionIsRefusedAndNamed() {
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(spec(new Recording().loader()).build());
      assertThatThrownBy(() -> region.invalidate(1L, -5L)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-5");
      assertThatThrownBy(() -> hotset.invalidateConfirmed("product", List.of("1"), List.of(), "cdc", 0L, -1L))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
      assertThatThrownBy(() -> RegionSpec.builder("x", Long.class, String.class).ttl(Duration.ofSeconds(1))
          .sourcePositionRetention(Duration.ZERO).build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sourcePositionRetention");
    }
  }
}
