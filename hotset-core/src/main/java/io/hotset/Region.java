package io.hotset;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One kind of cached data (products, sessions, ...) with its own freshness budget, read
 * through L1 (Caffeine), an optional shared tier (L2) and finally its loader.
 *
 * <p>All methods are thread-safe. Concurrent misses of one key share one load (single flight);
 * an invalidation that returns before a load finishes keeps that load's value out of every tier.
 * Keys must not be null; values may be absent, which reads return as {@code null}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Region<K, V> {

  /** The region's name, as used in metrics and L2 keys. */
  String name();

  /** The spec the region was built from. */
  RegionSpec<K, V> spec();

  /**
   * Reads through the region's loader: L1, then L2, then one shared load.
   *
   * @return the value, or null when the key does not exist
   * @throws IllegalStateException if the region has no loader
   * @throws IllegalArgumentException if the key's string form is longer than the region allows
   * @throws LoadShedException when the load bulkhead is full and no stale value exists
   * @throws LoadFailedException when the loader failed and no stale value may be served
   */
  V get(K key);

  /** As {@link #get(Object)}, loading with {@code loader} (cache-aside style). */
  V get(K key, Loader<? super K, ? extends V> loader);

  /** As {@link #get(Object)}, without blocking: a miss loads on the region's executor. */
  CompletableFuture<V> getAsync(K key);

  /**
   * Reads many keys; the misses are loaded in one call of the batch loader (or the loader per
   * key when the region has none). Keys that do not exist are left out of the map.
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /** The fresh value in L1, or null; never loads, never waits. */
  V getIfPresent(K key);

  /**
   * Reads the source directly through the loader; never reads or fills any tier.
   * For checkout-grade reads that must not see a cached value.
   */
  V getStrong(K key);

  /**
   * Stores a value the caller knows to be current (e.g. just written to the source) in every
   * tier, and tells other processes to drop their L1 copy. A load that started before the put
   * does not overwrite it.
   */
  void put(K key, V value);

  /**
   * Writes the value to the source of truth with the region's {@link Writer}, then updates the
   * caches by the region's {@link WritePolicy}: the source is always written first.
   *
   * @return the value as stored (with its new version)
   * @throws IllegalStateException if the region has no writer
   * @throws HotsetException wrapping the writer's exception; the caches are then untouched
   */
  V write(K key, V value);

  /** Drops the key from every tier and every process's L1; in-flight loads of it are not stored. */
  void invalidate(K key);

  /** As {@link #invalidate(Object)} for many keys, in one broadcast. */
  void invalidateAll(Collection<? extends K> keys);

  /** Drops every entry carrying the tag, in every tier and every process. */
  void invalidateTag(String tag);

  /** The keys this process currently sees as hot (empty when detection is off). */
  java.util.Set<K> hotKeys();

  /** The number of entries in this process's L1 (an estimate). */
  long estimatedSize();
}
