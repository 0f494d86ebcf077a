package io.hotset;

/**
 * Loads one value from the source of truth on a cache miss.
 * Returning {@code null} means "no such key" and is cached as absent (negative caching).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Loader<K, V> {

  /** Loads the value of {@code key}, or null if it does not exist. May block. */
  V load(K key) throws Exception;
}
