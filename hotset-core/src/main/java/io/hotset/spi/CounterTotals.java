package io.hotset.spi;

import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * The running totals of write-behind counters: a fast, shared read view of each counter that
 * includes the deltas not yet flushed to the source. The source stays the truth; a total is
 * created from it (seeded) the first time a key is touched. Implementations: in this process
 * (the default of {@code io.hotset.Counters}), Redis {@code INCRBY} ({@code HotsetRedis.counterTotals}).
 *
 * <p>Keys are counter keys in their {@link KeyFormat} string form. Thread-safe.
 */
public interface CounterTotals {

  /**
   * Adds {@code delta} to the key's total and returns the new total. If the key has no total
   * yet, calls {@code seed} (the source's current value, which may block and may throw an
   * unchecked exception that must propagate) and creates the total as seed + delta. Creation is
   * atomic across every user of the same totals: when several callers seed one key concurrently,
   * the first stored seed wins and every delta is added to it exactly once.
   */
  long incrementBy(String key, long delta, LongSupplier seed) throws Exception;

  /** The key's total, or empty if it has none yet (never seeds). */
  OptionalLong get(String key) throws Exception;
}
