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

  /**
   * As {@link #invalidate(Object)}, for a change at {@code sourcePosition} of the source (for
   * PostgreSQL, the primary's WAL position after the write's commit): this process and those the
   * broadcast reaches remember it for the key, a leasing L2 keeps it with the deleted key and hands
   * it out with the next fill lease, and the next fills of the key ask their loader for a copy of
   * the source at or past it ({@link Loader#load(Object, long)}), so a lagging read replica cannot
   * put the old value back (within {@link RegionSpec.Builder#sourcePositionRetention}).
   *
   * @throws IllegalArgumentException if {@code sourcePosition} is negative
   */
  void invalidate(K key, long sourcePosition);

  /** As {@link #invalidate(Object)} for many keys, in one broadcast. */
  void invalidateAll(Collection<? extends K> keys);

  /** Drops every entry carrying the tag, in every tier and every process. */
  void invalidateTag(String tag);

  /**
   * Warm-up: fills L1 with the given keys (e.g. yesterday's top keys, on start) through the
   * normal read path of a batch read: L2 first, then the region's batch loader (or loader) for
   * what L2 lacks, with single flight, the bulkhead and invalidation stamps as for
   * {@link #getAll}. Keys already fresh in L1 are skipped. Reads go out in small batches paced
   * in real time so that at most about {@code perSecond} keys are read per second (a batch is
   * a tenth of a second's worth), and the call returns no earlier than keys-read / perSecond
   * after it started, so consecutive calls keep the rate too. It runs on the calling thread and
   * stops after the last key. Batches that fail (loader error, bulkhead full) are skipped, not
   * retried; the returned count tells how many keys were warmed. Warm-up reads do not count as
   * requests in the metrics (their L2 reads and loads do) nor towards hot or top keys.
   *
   * <p>If the calling thread is interrupted, warm-up stops early and returns the count so far
   * with the interrupt flag set.
   *
   * @param keys the keys to warm, in the order to warm them (duplicates are read once)
   * @param perSecond the most keys to read per second, at least 1
   * @return how many keys were read from L2 or the loader and now hold a value (keys that do
   *     not exist, failed or were skipped as already fresh are not counted)
   * @throws NullPointerException if {@code keys} is null or contains null, before any read
   * @throws IllegalArgumentException if {@code perSecond < 1} or a key is malformed or too
   *     long, before any read
   * @throws IllegalStateException if the region has neither a loader nor a batch loader
   */
  int warmUp(Collection<? extends K> keys, int perSecond);

  /**
   * As {@link #warmUp}, but reads L2 only and never calls the loader: keys whose L2 copy is
   * missing, undecodable or no longer fresh are left cold. For a process joining a fleet whose
   * shared tier is already warm, without adding load on the source.
   *
   * @return how many keys were found fresh in L2 (holding a value) and stored in L1
   * @throws IllegalStateException if the hotset has no L2 tier, or the region keeps no L1
   *     ({@code l1(false)})
   */
  int warmUpFromL2(Collection<? extends K> keys, int perSecond);

  /** The keys this process currently sees as hot (empty when detection is off). */
  java.util.Set<K> hotKeys();

  /** The number of entries in this process's L1 (an estimate). */
  long estimatedSize();
}
