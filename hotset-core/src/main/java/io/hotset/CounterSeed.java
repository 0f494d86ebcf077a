package io.hotset;

/**
 * Reads a counter's current value from the source of truth (e.g. {@code SELECT views FROM
 * product_views WHERE product_id = ?}), to start its running total. Called the first time a
 * process (or, with Redis totals, the fleet) touches a key, and again only if that total is lost.
 *
 * @param <K> key type
 */
@FunctionalInterface
public interface CounterSeed<K> {

  /** The value the source holds for {@code key} now (0 for a key it does not have). May block. */
  long current(K key) throws Exception;
}
