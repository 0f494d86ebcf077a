package io.hotset.bench.load;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The set of ids read in a phase, as a lock-free bitset over 1..{@code maxId}: how many distinct
 * existing ids (≤ products) and distinct missing ids (> products) a phase touched. Ids beyond
 * {@code maxId} are only counted as untracked.
 */
final class DistinctIds {
  /** 2^26 bits = 8 MiB: plenty for the id spaces of a catalog run. */
  static final long MAX_TRACKED = 1L << 26;

  private final AtomicLongArray bits;
  private final long maxId;
  private final LongAdder untracked = new LongAdder();

  DistinctIds(long maxId) {
    this.maxId = Math.min(Math.max(maxId, 1), MAX_TRACKED);
    this.bits = new AtomicLongArray((int) ((this.maxId >> 6) + 1));
  }

  void add(long id) {
    if (id < 0 || id > maxId) {
      untracked.increment();
      return;
    }
    int word = (int) (id >>> 6);
    long mask = 1L << (id & 63);
    long cur = bits.get(word);
    while ((cur & mask) == 0 && !bits.compareAndSet(word, cur, cur | mask)) {
      cur = bits.get(word);
    }
  }

  /** Distinct ids in [from, to]. */
  long count(long from, long to) {
    long n = 0;
    long hi = Math.min(to, maxId);
    for (long id = Math.max(from, 0); id <= hi; ) {
      int word = (int) (id >>> 6);
      if ((id & 63) == 0 && id + 63 <= hi) {
        n += Long.bitCount(bits.get(word));
        id += 64;
      } else {
        if ((bits.get(word) & (1L << (id & 63))) != 0) {
          n++;
        }
        id++;
      }
    }
    return n;
  }

  long untracked() {
    return untracked.sum();
  }
}
