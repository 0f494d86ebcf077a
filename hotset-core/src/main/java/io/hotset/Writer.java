package io.hotset;

/**
 * Writes one value to the source of truth (the database) for {@link Region#write}.
 * Returns the value as stored, carrying its new version (e.g. the row's version column after
 * the update): write-through caches that, and only if it is newer than what a tier holds.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Writer<K, V> {

  /** Writes and commits; returns the stored value with its new version. May block. */
  V write(K key, V value) throws Exception;
}
