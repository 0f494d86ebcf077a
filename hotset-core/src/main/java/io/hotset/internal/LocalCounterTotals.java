package io.hotset.internal;

import io.hotset.spi.CounterTotals;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Running totals in this process's memory: the default of {@link io.hotset.Counters}, exact
 * when one process counts the keys. One entry per key ever touched and no eviction: an evicted
 * total would be seeded again without the deltas it held that are not yet in the source.
 */
public final class LocalCounterTotals implements CounterTotals {
  private final ConcurrentHashMap<String, AtomicLong> totals = new ConcurrentHashMap<>();

  @Override
  public long incrementBy(String key, long delta, LongSupplier seed) {
    AtomicLong total = totals.get(key);
    if (total == null) {
      // the source is read outside the map's lock; the first stored seed wins (like SET NX)
      long initial = seed.getAsLong();
      total = totals.computeIfAbsent(key, k -> new AtomicLong(initial));
    }
    return total.addAndGet(delta);
  }

  @Override
  public OptionalLong get(String key) {
    AtomicLong total = totals.get(key);
    return total == null ? OptionalLong.empty() : OptionalLong.of(total.get());
  }

  @Override
  public String toString() {
    return "in-process counter totals (" + totals.size() + " keys)";
  }
}
