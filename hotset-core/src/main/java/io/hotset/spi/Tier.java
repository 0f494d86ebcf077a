package io.hotset.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A shared cache tier below L1 (L2, e.g. Redis) that stores encoded envelopes as bytes.
 * All methods are asynchronous and must not block the caller; a failed future is counted as
 * a tier error by the engine and never becomes a read failure. Keys arrive already namespaced
 * by region ({@code region:key}).
 */
public interface Tier extends AutoCloseable {

  /** A short name used in metrics ({@code tier} tag), e.g. {@code "l2"}. */
  String name();

  /** The stored bytes, or a future of null when absent. */
  CompletableFuture<byte[]> get(String key);

  /** The stored bytes of the keys present; absent keys are left out of the map. */
  CompletableFuture<Map<String, byte[]>> getAll(Collection<String> keys);

  /** Stores bytes with a hard expiry and records the key under each tag. */
  CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tags);

  /**
   * Stores the value only if the key holds nothing or an envelope with a lower version (the
   * version is the big-endian long at byte 3 of the envelope, see {@link EnvelopeHeader}), and
   * revokes the key's lease like {@link #put}. Tiers shared between processes must do this
   * atomically; the default is a plain read-compare-write for single-process tiers.
   *
   * @return a future of true if stored
   */
  default CompletableFuture<Boolean> putIfNewer(String key, byte[] value, long version, Duration ttl,
      Collection<String> tags) {
    return get(key).thenCompose(current -> {
      if (current != null && current.length >= EnvelopeHeader.MIN_LENGTH
          && java.nio.ByteBuffer.wrap(current, EnvelopeHeader.VERSION_OFFSET, 8).getLong() >= version) {
        return CompletableFuture.completedFuture(false);
      }
      return put(key, value, ttl, tags).thenApply(x -> true);
    });
  }

  /** Deletes the keys. */
  CompletableFuture<Void> delete(Collection<String> keys);

  /** Deletes every key recorded under the tag (within the given region prefix). */
  CompletableFuture<Void> deleteTag(String region, String tag);

  /**
   * As {@link #delete}, for a change at {@code sourcePosition} of the source: a leasing tier also
   * remembers the position for each key, for {@code retention}, and hands it with every lease it
   * grants on the key afterwards ({@link LeaseRead#sourcePosition()}), so a process that fills
   * the key before the broadcast of this invalidation reaches it still reads a source at or past
   * the change. Keep the higher of two positions; a position of 0 is a plain delete. The default
   * only deletes.
   */
  default CompletableFuture<Void> delete(Collection<String> keys, long sourcePosition, Duration retention) {
    return delete(keys);
  }

  /** As {@link #deleteTag}, remembering {@code sourcePosition} for each key deleted (see {@link #delete(Collection, long, Duration)}). */
  default CompletableFuture<Void> deleteTag(String region, String tag, long sourcePosition, Duration retention) {
    return deleteTag(region, tag);
  }

  /**
   * The largest encoded envelope this tier accepts; the engine rejects larger values before
   * any call ({@code put} throws, a load keeps the value in L1 only).
   */
  default int maxValueBytes() {
    return Integer.MAX_VALUE;
  }

  /**
   * Whether this tier implements fill leases (fleet-wide single flight, after Facebook's
   * memcache leases). When it does, the engine uses {@link #readOrLease}, {@link #fillWithLease}
   * and {@link #releaseLease} instead of {@link #get} and {@link #put}, and {@link #delete}
   * must revoke outstanding leases of the keys it deletes.
   */
  default boolean supportsLeases() {
    return false;
  }

  /**
   * Reads the key; if its envelope is missing, not fresh at {@code nowMillis} (see
   * {@link EnvelopeHeader}) or {@code ignoreValue} is set, tries to take its fill lease. The engine
   * may pass a {@code nowMillis} later than the clock: a background refresh asks for a value fresh
   * beyond the one it refreshes, so implementations compare with the argument, never the clock.
   * At most one caller holds a key's lease at a time; it expires after {@code leaseTtl}.
   */
  default CompletableFuture<LeaseRead> readOrLease(String key, long nowMillis, Duration leaseTtl,
      boolean ignoreValue) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(name() + " has no leases"));
  }

  /**
   * Stores the value only if {@code token} still holds the key's lease (an invalidation since
   * the lease was granted revokes it), then releases the lease and wakes waiters.
   *
   * @return a future of true if stored, false if the lease was revoked or expired
   */
  default CompletableFuture<Boolean> fillWithLease(String key, long token, byte[] value, Duration ttl,
      Collection<String> tags) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(name() + " has no leases"));
  }

  /** Gives the lease up without filling (the load failed) and wakes waiters. */
  default CompletableFuture<Void> releaseLease(String key, long token) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  default void close() {}
}
