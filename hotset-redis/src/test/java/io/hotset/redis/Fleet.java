package io.hotset.redis;

import io.hotset.Hotset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;

/** Several "processes" in one JVM: each its own Hotset with its own Redis connections. */
final class Fleet implements AutoCloseable {
  final List<HotsetRedis> redis = new ArrayList<>();
  final List<Hotset> hotsets = new ArrayList<>();
  final List<SimpleMeterRegistry> registries = new ArrayList<>();

  Fleet(String url, int size) {
    for (int i = 0; i < size; i++) {
      add(url, "p" + i);
    }
  }

  Hotset add(String url, String id) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HotsetRedis r = HotsetRedis.builder().url(url).keyPrefix("test").meterRegistry(registry).build();
    Hotset h = Hotset.builder().meterRegistry(registry).l2(r.tier()).invalidationTransport(r.invalidations())
        .instanceId(id).build();
    redis.add(r);
    hotsets.add(h);
    registries.add(registry);
    return h;
  }

  Hotset get(int i) {
    return hotsets.get(i);
  }

  @Override
  public void close() {
    hotsets.forEach(Hotset::close);
    redis.forEach(HotsetRedis::close);
  }
}
