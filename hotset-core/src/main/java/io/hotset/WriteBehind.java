package io.hotset;

import io.hotset.internal.DefaultWriteBehind;

/**
 * A write-behind buffer: a write is acknowledged once it is in the durable journal (and, for
 * values, in the cache region), and reaches the source later, coalesced per key and batched.
 * Nothing acknowledged is lost across a kill -9: a restarted process replays the journal past
 * the source's own checkpoint (see {@link io.hotset.spi.WriteBehindSink}).
 *
 * @param <K> key type
 * @param <V> value type ({@code Long} deltas for counters)
 */
public interface WriteBehind<K, V> extends AutoCloseable {

  /** Opens (and recovers) a buffer from its spec. */
  static <K, V> WriteBehind<K, V> open(WriteBehindSpec<K, V> spec) {
    return DefaultWriteBehind.open(spec);
  }

  /**
   * Journals the value (counters: adds the delta) and returns once it is durable.
   *
   * @throws WriteBehindFullException when maxPending writes are unflushed and the full policy
   *     rejects (at once, or after its wait)
   */
  void write(K key, V value);

  /** Unflushed acknowledged writes. */
  long pending();

  /** Blocks until everything acknowledged so far is applied to the source, or the timeout passes. */
  boolean flush(java.time.Duration timeout);

  /** Flushes what it can (bounded by the spec's shutdown timeout) and stops. */
  @Override
  void close();
}
