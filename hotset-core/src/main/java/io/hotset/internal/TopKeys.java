package io.hotset.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code n} most read keys of a region, for keep-warm, in bounded memory: a
 * {@link CountMinSketch} of reads (sampled L1 hits standing for 16 each, plus every miss), and
 * a candidate set of at most a few times {@code n} keys whose estimates cleared the admission
 * bar. No per-key counter map: a key of the long tail costs one sketch update and one volatile
 * read. Counts decay by halving ({@link #age()}, called by the keep-warm pass on a clock), so
 * a key that is no longer read drops out of the top set and is left to expire.
 *
 * <p>{@link #record} runs on the read path (any thread); {@link #top} and {@link #age} run on
 * the keep-warm pass. Estimates are approximate (over-estimates only), which is fine for a
 * decision about which keys to reload early.
 */
final class TopKeys<K> {
  /** A key below this estimate is never top: less than one sampled hit's worth of recent reads. */
  static final int MIN_TOP_COUNT = 16;

  private final int n;
  /** Candidates kept after a trim; the set may grow to twice this before the next trim. */
  private final int capacity;
  private final CountMinSketch sketch;
  private final Set<K> candidates = ConcurrentHashMap.newKeySet();
  /**
   * The admission bar: the lowest estimate among the candidates kept by the last ranking when
   * the set was full, else 0. Keys at or below it are not worth a place.
   */
  private volatile int floor;

  TopKeys(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    this.n = n;
    this.capacity = Math.max(2 * n, 16);
    // wide enough that the long tail's collisions stay far below a top key's count
    this.sketch = new CountMinSketch((int) Math.min(1 << 16, Math.max(4096L, 128L * n)));
  }

  /** Counts {@code weight} reads of the key (a sampled hit stands for several). */
  void record(K key, int weight) {
    int estimate = sketch.add(key, weight);
    if (estimate <= floor || candidates.contains(key)) {
      return;
    }
    candidates.add(key);
    if (candidates.size() > 2 * capacity) {
      rank(capacity);
    }
  }

  /**
   * The up to {@code n} keys with the highest estimates (at least {@link #MIN_TOP_COUNT}),
   * highest first.
   */
  List<K> top() {
    List<Ranked<K>> ranked = rank(capacity);
    List<K> out = new ArrayList<>(Math.min(n, ranked.size()));
    for (Ranked<K> r : ranked) {
      if (out.size() == n || r.estimate < MIN_TOP_COUNT) {
        break;
      }
      out.add(r.key);
    }
    return out;
  }

  /** Halves every count (and the admission bar); candidates whose count fell to 0 are dropped. */
  synchronized void age() {
    sketch.halve();
    floor >>>= 1;
    candidates.removeIf(k -> sketch.estimate(k) == 0);
  }

  int estimate(K key) {
    return sketch.estimate(key);
  }

  int candidateCount() {
    return candidates.size();
  }

  /**
   * Re-estimates the candidates, keeps the {@code keep} highest and returns them highest first;
   * sets the admission bar to the lowest kept estimate when the set is full.
   */
  private synchronized List<Ranked<K>> rank(int keep) {
    List<Ranked<K>> ranked = new ArrayList<>(candidates.size());
    for (K k : candidates) {
      ranked.add(new Ranked<>(k, sketch.estimate(k)));
    }
    ranked.sort((a, b) -> Integer.compare(b.estimate, a.estimate));
    for (int i = keep; i < ranked.size(); i++) {
      candidates.remove(ranked.get(i).key);
    }
    List<Ranked<K>> kept = ranked.size() > keep ? ranked.subList(0, keep) : ranked;
    floor = kept.size() == keep ? kept.get(keep - 1).estimate : 0;
    return kept;
  }

  private record Ranked<K>(K key, int estimate) {}
}
