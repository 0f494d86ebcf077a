package io.hotset.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The recent tag invalidations of a region, so a load that started before one of them can
 * tell whether its value carries an invalidated tag (tags are only known after the load).
 * When the answer cannot be known (the ring wrapped, or a slot is still being written) it
 * says "invalidated": a skipped fill is safe, a stale one is not.
 */
final class TagInvalidationLog {
  private static final int CAPACITY = 1024;
  private static final int MASK = CAPACITY - 1;

  private record Entry(long seq, String tag) {}

  private final AtomicLong sequence = new AtomicLong();
  private final AtomicReferenceArray<Entry> ring = new AtomicReferenceArray<>(CAPACITY);

  long sequence() {
    return sequence.get();
  }

  void append(String tag) {
    long seq = sequence.incrementAndGet();
    ring.set((int) (seq & MASK), new Entry(seq, tag));
  }

  /** Whether a tag of {@code tags} may have been invalidated after {@code since}. */
  boolean invalidatedSince(long since, String[] tags) {
    long now = sequence.get();
    if (now == since || tags.length == 0) {
      return false;
    }
    if (now - since > CAPACITY) {
      return true;
    }
    for (long s = since + 1; s <= now; s++) {
      Entry e = ring.get((int) (s & MASK));
      if (e == null || e.seq != s) {
        return true;
      }
      for (String tag : tags) {
        if (tag.equals(e.tag)) {
          return true;
        }
      }
    }
    return false;
  }
}
