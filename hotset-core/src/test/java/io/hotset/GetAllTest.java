package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class GetAllTest {

  @Test
  void batchLoaderIsCalledOnceWithOnlyTheMissingKeys() {
    List<Set<Long>> calls = new CopyOnWriteArrayList<>();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Long, String> region = hotset.region(RegionSpec.builder("batch", Long.class, String.class)
          .ttl(Duration.ofMinutes(1))
          .loader(id -> "single-" + id)
          .batchLoader(keys -> {
            calls.add(Set.copyOf(keys));
            Map<Long, String> out = new HashMap<>();
            for (Long k : keys) {
              if (k % 10 != 9) { // keys ending in 9 do not exist
                out.put(k, "v" + k);
              }
            }
            return out;
          })
          .build());
      region.get(1L);
      region.get(2L);
      List<Long> keys = new ArrayList<>();
      for (long i = 0; i < 20; i++) {
        keys.add(i);
      }
      Map<Long, String> all = region.getAll(keys);
      assertThat(calls).hasSize(1);
      assertThat(calls.get(0)).hasSize(18).doesNotContain(1L, 2L);
      assertThat(all).hasSize(18).containsEntry(1L, "single-1").containsEntry(3L, "v3").doesNotContainKey(9L);
      // second call: everything (including the absent keys) is cached
      assertThat(region.getAll(keys)).isEqualTo(all);
      assertThat(calls).hasSize(1);
    }
  }

  @Test
  void getAllReadsL2BeforeLoading() {
    InMemoryTier l2 = new InMemoryTier();
    List<Set<Long>> calls = new CopyOnWriteArrayList<>();
    RegionSpec<Long, String> spec = RegionSpec.builder("batch2", Long.class, String.class)
        .ttl(Duration.ofMinutes(1))
        .batchLoader(keys -> {
          calls.add(Set.copyOf(keys));
          Map<Long, String> out = new HashMap<>();
          keys.forEach(k -> out.put(k, "v" + k));
          return out;
        })
        .build();
    try (Hotset a = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2).build();
        Hotset b = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2).build()) {
      a.region(spec).getAll(List.of(1L, 2L, 3L));
      Map<Long, String> fromB = b.region(spec).getAll(List.of(1L, 2L, 3L, 4L));
      assertThat(fromB).hasSize(4);
      assertThat(calls).containsExactly(Set.of(1L, 2L, 3L), Set.of(4L));
    }
  }
}
