package io.hotset.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Striped per-key invalidation counters. A load reads its key's stamp before it reads any
 * source; the fill stores only if the stamp is unchanged. Two keys sharing a stripe only cost
 * a skipped fill (safe), never a stale one.
 */
final class InvalidationStamps {
  private static final int STRIPES = 4096;
  private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);

  long current(Object key) {
    return stamps.get(index(key));
  }

  void bump(Object key) {
    stamps.incrementAndGet(index(key));
  }

  /** Bumps every stripe: no load in flight for any key will fill. */
  void bumpAll() {
    for (int i = 0; i < STRIPES; i++) {
      stamps.incrementAndGet(i);
    }
  }

  boolean unchanged(Object key, long stamp) {
    return stamps.get(index(key)) == stamp;
  }

  private static int index(Object key) {
    int h = key.hashCode();
    h ^= (h >>> 16);
    h *= 0x45d9f3b;
    h ^= (h >>> 16);
    return h & (STRIPES - 1);
  }
}
