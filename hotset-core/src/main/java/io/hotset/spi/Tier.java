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

  /** Deletes the keys. */
  CompletableFuture<Void> delete(Collection<String> keys);

  /** Deletes every key recorded under the tag (within the given region prefix). */
  CompletableFuture<Void> deleteTag(String region, String tag);

  @Override
  default void close() {}
}
