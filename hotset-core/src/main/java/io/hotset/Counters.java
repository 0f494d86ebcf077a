package io.hotset;

import io.hotset.internal.DefaultCounters;
import java.time.Duration;

/**
 * Write-behind counters (views, likes) with a live running total. An increment is acknowledged
 * exactly like {@link WriteBehind#write}: once its delta is in the durable journal, from which
 * it reaches the source exactly once, summed per key and batched. Then the delta is added to
 * the key's running total ({@link io.hotset.spi.CounterTotals}: Redis {@code INCRBY} shared by
 * the fleet, or this process's memory by default), so every reader sees the count before it is
 * flushed.
 *
 * <p>The source is the truth and the total is a fast read view of it. The total is created from
 * the source ({@link WriteBehindSpec.Builder#seed}) the first time a key is touched, and a
 * delta is flushed to the source only after its total update finished, so a seed never counts
 * a delta that is also added on top of it. A total falls behind the source by a delta whose
 * total update failed (Redis unreachable, counted in {@code hotset.writebehind.totals.errors};
 * the increment still succeeds), by a delta whose process died between journal and total (it
 * is replayed into the source only), and by the unflushed deltas of a total Redis lost. A
 * dead-lettered delta is taken back out of the total; only if that fails too is the total
 * ahead. A total missing from Redis is seeded from the source again, so deleting a stale total
 * repairs it (exactly, if no delta was waiting to be flushed at that moment).
 *
 * <pre>{@code
 * Counters<Long> views = Counters.open(WriteBehindSpec.counters("views", KeyFormat.standard(Long.class))
 *     .sink(viewsSink).journal(redis.writeJournal("views-" + instanceId)).journalId("views-" + instanceId)
 *     .totals(redis.counterTotals("views")).seed(repository::views)
 *     .build());
 * long now = views.increment(42L, 1);   // durable, then INCRBY: the fleet-wide count
 * }</pre>
 *
 * @param <K> key type
 */
public interface Counters<K> extends AutoCloseable {

  /**
   * Opens (and recovers) the counters of a {@link WriteBehindSpec#counters} spec.
   *
   * @throws IllegalArgumentException for a spec of values, or one without a {@code seed}
   */
  static <K> Counters<K> open(WriteBehindSpec<K, Long> spec) {
    return DefaultCounters.open(spec);
  }

  /**
   * Journals {@code delta} (negative to decrement), returns once it is durable and added to the
   * running total, and returns that total. Thread-safe. If the total cannot be updated the
   * increment still succeeds (it reaches the source) and the result is best effort: the last
   * total this process saw plus its own deltas since, or the source's value plus the delta, or,
   * if the source cannot be read either, the delta alone.
   *
   * @throws NullPointerException for a null key
   * @throws WriteBehindFullException when the buffer holds maxPending unflushed writes and the
   *     full policy rejects; nothing was journaled or counted
   * @throws HotsetException when the journal append failed; nothing was journaled or counted
   */
  long increment(K key, long delta);

  /**
   * The key's running total: the source's value plus every delta counted so far, flushed or
   * not (seeding the total from the source if the key has none). Best effort, as for
   * {@link #increment}, when the totals are unreachable.
   *
   * @throws HotsetException when neither the totals nor the source can be read
   */
  long get(K key);

  /** Acknowledged deltas not yet in the source. */
  long pending();

  /** Blocks until every delta acknowledged so far is in the source, or the timeout passes. */
  boolean flush(Duration timeout);

  /** Flushes what it can (bounded by the spec's shutdown timeout) and stops. */
  @Override
  void close();
}
