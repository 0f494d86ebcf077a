package io.hotset.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the keys whose request rate is far above the rest, with bounded memory: a Count-Min
 * sketch (Cormode and Muthukrishnan, 2005; conservative update) of L1 misses, aged by halving
 * every window, plus a small candidate set of the keys whose estimate passed the threshold.
 * A key is hot when its estimated share of a window's misses is at least {@code share}; at
 * most {@code maxHot} keys are hot at once (the highest estimates win).
 *
 * <p>Only misses are counted: a key that L1 already keeps needs no help, and the hit path stays
 * free of this work. Counts are approximate (over-estimates only), which is fine for a decision
 * about where to keep a key.
 */
final class HotKeys<K> {
  private static final int DEPTH = 4;
  private static final int WIDTH = 4096;
  private static final int MIN_COUNT = 16;

  private final double share;
  private final int maxHot;
  private final int window;
  private final AtomicIntegerArray counters = new AtomicIntegerArray(DEPTH * WIDTH);
  private final AtomicLong seen = new AtomicLong();
  private final ConcurrentHashMap<K, Integer> candidates = new ConcurrentHashMap<>();
  private volatile Set<K> hot = Set.of();
  /** The lowest estimate among the hot keys: a candidate below it cannot enter the top set. */
  private volatile int hotFloor;

  HotKeys(double share, int maxHot) {
    this.share = share;
    this.maxHot = maxHot;
    // a window long enough that a key at the threshold share is counted MIN_COUNT times or more
    this.window = (int) Math.max(1_000, Math.min(1_000_000, Math.ceil(MIN_COUNT / share) * 4));
  }

  /** Counts one miss of the key; returns whether the key is hot now. */
  boolean record(K key) {
    return record(key, 1);
  }

  /** Counts {@code weight} requests of the key (a sample standing for several). */
  boolean record(K key, int weight) {
    int h = spread(key.hashCode());
    int estimate = increment(h, weight);
    int threshold = Math.max(MIN_COUNT, (int) (share * window));
    if (estimate >= threshold) {
      candidates.put(key, estimate);
      if (candidates.size() > 4 * maxHot) {
        trimCandidates();
      }
      if (!hot.contains(key) && (hot.size() < maxHot || estimate > hotFloor)) {
        recomputeHot();
      }
    }
    long before = seen.getAndAdd(weight);
    if (before / window != (before + weight) / window) {
      age();
    }
    return hot.contains(key);
  }

  boolean isHot(Object key) {
    return hot.contains(key);
  }

  Set<K> hotKeys() {
    return hot;
  }

  /** Conservative update: raise only the minimum counters; returns the new estimate. */
  private int increment(int h, int weight) {
    int min = Integer.MAX_VALUE;
    for (int d = 0; d < DEPTH; d++) {
      min = Math.min(min, counters.get(index(h, d)));
    }
    for (int d = 0; d < DEPTH; d++) {
      int i = index(h, d);
      int c = counters.get(i);
      if (c == min && c < Integer.MAX_VALUE - weight) {
        counters.compareAndSet(i, c, c + weight);
      }
    }
    return min + weight;
  }

  private static int index(int h, int d) {
    return d * WIDTH + (rehash(h, d) & (WIDTH - 1));
  }

  private int estimate(Object key) {
    int h = spread(key.hashCode());
    int min = Integer.MAX_VALUE;
    for (int d = 0; d < DEPTH; d++) {
      min = Math.min(min, counters.get(index(h, d)));
    }
    return min;
  }

  /** Halves every counter (exponential decay per window) and re-ranks the candidates. */
  private synchronized void age() {
    for (int i = 0; i < counters.length(); i++) {
      counters.set(i, counters.get(i) >>> 1);
    }
    int threshold = Math.max(MIN_COUNT, (int) (share * window)) / 2;
    candidates.replaceAll((k, v) -> estimate(k));
    candidates.values().removeIf(v -> v < threshold);
    recomputeHot();
  }

  private synchronized void trimCandidates() {
    List<Map.Entry<K, Integer>> sorted = new ArrayList<>(candidates.entrySet());
    sorted.sort(Map.Entry.<K, Integer>comparingByValue(Comparator.reverseOrder()));
    for (int i = 2 * maxHot; i < sorted.size(); i++) {
      candidates.remove(sorted.get(i).getKey(), sorted.get(i).getValue());
    }
  }

  private synchronized void recomputeHot() {
    List<Map.Entry<K, Integer>> sorted = new ArrayList<>(candidates.entrySet());
    sorted.sort(Map.Entry.<K, Integer>comparingByValue(Comparator.reverseOrder()));
    Set<K> next = ConcurrentHashMap.newKeySet();
    int floor = 0;
    for (int i = 0; i < Math.min(maxHot, sorted.size()); i++) {
      next.add(sorted.get(i).getKey());
      floor = sorted.get(i).getValue();
    }
    hotFloor = floor;
    hot = next;
  }

  private static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }

  private static int rehash(int h, int d) {
    int x = h * (0x9E3779B1 + 2 * d);
    return x ^ (x >>> 15);
  }
}
