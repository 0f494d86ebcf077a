package io.hotset.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the keys whose request rate is far above the rest, with bounded memory: a
 * {@link CountMinSketch} of L1 misses, aged by halving
 * every window, plus a small candidate set of the keys whose estimate passed the threshold.
 * A key is hot when its estimated share of a window's misses is at least {@code share}; at
 * most {@code maxHot} keys are hot at once (the highest estimates win).
 *
 * <p>Only misses are counted: a key that L1 already keeps needs no help, and the hit path stays
 * free of this work. Counts are approximate (over-estimates only), which is fine for a decision
 * about where to keep a key.
 */
final class HotKeys<K> {
  private static final int WIDTH = 4096;
  private static final int MIN_COUNT = 16;

  private final double share;
  private final int maxHot;
  private final int window;
  private final CountMinSketch sketch = new CountMinSketch(WIDTH);
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
    int estimate = sketch.add(key, weight);
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

  /** Halves every counter (exponential decay per window) and re-ranks the candidates. */
  private synchronized void age() {
    sketch.halve();
    int threshold = Math.max(MIN_COUNT, (int) (share * window)) / 2;
    candidates.replaceAll((k, v) -> sketch.estimate(k));
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
}
