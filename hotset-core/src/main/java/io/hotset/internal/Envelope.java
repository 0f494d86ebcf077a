package io.hotset.internal;

/**
 * One cached entry: the value (or the absent marker of a negative-cache entry) with its
 * version, measured load time and deadlines, all in ticker nanoseconds of this process.
 * Immutable; a refresh replaces the envelope.
 */
final class Envelope<V> {
  static final String[] NO_TAGS = new String[0];

  final V value;
  final boolean absent;
  final long version;
  /** How long the load took (XFetch's delta). */
  final long loadNanos;
  final long loadedAt;
  final long freshUntil;
  /** End of the stale-while-revalidate window. */
  final long staleUntil;
  /** End of the stale-if-error window. */
  final long errorUntil;
  /** When L1 drops the entry: the later of the two stale windows. */
  final long hardUntil;
  /** Earliest tick at which a read may start an early refresh (Long.MAX_VALUE: never). */
  final long earlyFrom;
  /** Reads at or after this tick always start a refresh (refresh-ahead; Long.MAX_VALUE: off). */
  final long refreshAheadAt;
  final String[] tags;
  /** Pinned in L1 as a hot key: weighs 0, and its hits are sampled into the hot-key sketch. */
  final boolean hot;

  Envelope(V value, boolean absent, long version, long loadNanos, long loadedAt, long freshUntil,
      long staleUntil, long errorUntil, long earlyFrom, long refreshAheadAt, String[] tags) {
    this(value, absent, version, loadNanos, loadedAt, freshUntil, staleUntil, errorUntil, earlyFrom, refreshAheadAt,
        tags, false);
  }

  private Envelope(V value, boolean absent, long version, long loadNanos, long loadedAt, long freshUntil,
      long staleUntil, long errorUntil, long earlyFrom, long refreshAheadAt, String[] tags, boolean hot) {
    this.value = value;
    this.absent = absent;
    this.version = version;
    this.loadNanos = loadNanos;
    this.loadedAt = loadedAt;
    this.freshUntil = freshUntil;
    this.staleUntil = staleUntil;
    this.errorUntil = errorUntil;
    this.hardUntil = Math.max(staleUntil, errorUntil);
    this.earlyFrom = earlyFrom;
    this.refreshAheadAt = refreshAheadAt;
    this.tags = tags;
    this.hot = hot;
  }

  /** This envelope, pinned as a hot key. */
  Envelope<V> asHot() {
    return hot ? this : new Envelope<>(value, absent, version, loadNanos, loadedAt, freshUntil, staleUntil,
        errorUntil, earlyFrom, refreshAheadAt, tags, true);
  }

  boolean hasTag(String tag) {
    for (String t : tags) {
      if (t.equals(tag)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return absent ? "Envelope{absent}" : "Envelope{version=" + version + ", value=" + value + "}";
  }
}
