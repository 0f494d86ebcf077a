package io.hotset.internal;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A Count-Min sketch of request counts (Cormode and Muthukrishnan, 2005) with conservative
 * update: {@code depth} rows of {@code width} saturating counters; a key's estimate is the
 * minimum of its counters, an over-estimate only. Thread-safe and lock-free; concurrent updates
 * and {@link #halve()} may lose an increment now and then, which is fine for a frequency
 * estimate. Used by {@link HotKeys} and the keep-warm read counts.
 */
final class CountMinSketch {
  private static final int DEPTH = 4;

  private final int width;
  private final AtomicIntegerArray counters;

  /** @param width counters per row; rounded up to a power of two, at least 64 */
  CountMinSketch(int width) {
    int w = 64;
    while (w < width && w < (1 << 24)) {
      w <<= 1;
    }
    this.width = w;
    this.counters = new AtomicIntegerArray(DEPTH * w);
  }

  int width() {
    return width;
  }

  /** Adds {@code weight} to the key's count; returns the new estimate. */
  int add(Object key, int weight) {
    int h = spread(key.hashCode());
    int min = Integer.MAX_VALUE;
    for (int d = 0; d < DEPTH; d++) {
      min = Math.min(min, counters.get(index(h, d)));
    }
    int target = min > Integer.MAX_VALUE - weight ? Integer.MAX_VALUE : min + weight;
    // conservative update: raise each counter only as far as the new minimum
    for (int d = 0; d < DEPTH; d++) {
      int i = index(h, d);
      int c = counters.get(i);
      if (c < target) {
        counters.compareAndSet(i, c, target);
      }
    }
    return target;
  }

  /** The key's estimated count (never below the true count, barring lost concurrent updates). */
  int estimate(Object key) {
    int h = spread(key.hashCode());
    int min = Integer.MAX_VALUE;
    for (int d = 0; d < DEPTH; d++) {
      min = Math.min(min, counters.get(index(h, d)));
    }
    return min;
  }

  /** Halves every counter: exponential decay, so old reads weigh less than recent ones. */
  void halve() {
    for (int i = 0; i < counters.length(); i++) {
      counters.set(i, counters.get(i) >>> 1);
    }
  }

  private int index(int h, int d) {
    int x = h * (0x9E3779B1 + 2 * d);
    return d * width + ((x ^ (x >>> 15)) & (width - 1));
  }

  private static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }
}
