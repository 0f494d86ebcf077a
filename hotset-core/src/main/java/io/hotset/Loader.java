package io.hotset;

/**
 * Loads one value from the source of truth on a cache miss.
 * Returning {@code null} means "no such key" and is cached as absent (negative caching).
 *
 * <p><b>Source positions.</b> A source with copies that lag (read replicas) can put an old value
 * straight back into the cache after an invalidation: the fill reads a replica that has not yet
 * replayed the change. An invalidation may therefore carry the source's position of the change
 * (for PostgreSQL, the end of its commit record in the WAL; see
 * {@link Region#invalidate(Object, long)} and {@link Hotset#invalidateConfirmed(String,
 * java.util.Collection, java.util.Collection, String, long, long)}); the region remembers it per
 * key and hands the highest one to the next loads of that key through
 * {@link #load(Object, long)}. A loader that reads from replicas implements that method (most
 * simply through {@link #positioned}) and reads only a copy at or past the position; a loader
 * that reads one up-to-date source needs none of this.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Loader<K, V> {

  /** No known change to be at least as new as: any copy of the source will do. */
  long ANY_POSITION = 0L;

  /**
   * The source's newest state: passed by {@link Region#getStrong}, a positioned loader reads its
   * primary.
   */
  long NEWEST = Long.MAX_VALUE;

  /** Loads the value of {@code key}, or null if it does not exist. May block. */
  V load(K key) throws Exception;

  /**
   * Loads the value of {@code key} from a copy of the source at or past {@code minPosition}:
   * {@link #ANY_POSITION} when no change of the key is remembered, {@link #NEWEST} for a strong
   * read, otherwise the highest position of the invalidations of the key (or of its tags) that the
   * region saw within its {@link RegionSpec.Builder#sourcePositionRetention retention}. The
   * default ignores the position and calls {@link #load(Object)}, which is right for a loader that
   * reads the primary only.
   */
  default V load(K key, long minPosition) throws Exception {
    return load(key);
  }

  /** A loader that is told the source position it must read at or past, as {@link #load(Object, long)}. */
  @FunctionalInterface
  interface Positioned<K, V> {
    /** As {@link Loader#load(Object, long)}. */
    V load(K key, long minPosition) throws Exception;
  }

  /**
   * A {@link Loader} from a position-aware function; {@link #load(Object)} calls it with
   * {@link #ANY_POSITION}.
   */
  static <K, V> Loader<K, V> positioned(Positioned<K, V> loader) {
    java.util.Objects.requireNonNull(loader, "loader");
    return new Loader<>() {
      @Override
      public V load(K key) throws Exception {
        return loader.load(key, ANY_POSITION);
      }

      @Override
      public V load(K key, long minPosition) throws Exception {
        return loader.load(key, minPosition);
      }
    };
  }
}
