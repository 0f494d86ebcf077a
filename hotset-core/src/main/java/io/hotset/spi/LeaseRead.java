package io.hotset.spi;

import java.util.concurrent.CompletableFuture;

/**
 * The answer of {@link Tier#readOrLease}: the key's bytes were fresh, or this caller now holds
 * the fill lease (the only licence to fill the key), or another process holds it.
 *
 * @param outcome what happened
 * @param value the stored bytes (possibly stale, possibly corrupt), or null
 * @param token the lease token when {@code outcome == GRANTED}
 * @param filled when {@code outcome == HELD}: completes when the holder fills or releases the
 *     key, or the lease is revoked (never completes exceptionally; callers bound their wait)
 * @param sourcePosition when {@code outcome == GRANTED}: the source position the tier remembers
 *     for the key from its last positioned delete ({@link Tier#delete(java.util.Collection, long,
 *     java.time.Duration)}), which the holder's load must read at or past; 0 when none
 */
public record LeaseRead(Outcome outcome, byte[] value, long token, CompletableFuture<Void> filled,
    long sourcePosition) {

  /** A lease read with no source position. */
  public LeaseRead(Outcome outcome, byte[] value, long token, CompletableFuture<Void> filled) {
    this(outcome, value, token, filled, 0L);
  }

  /** What {@link Tier#readOrLease} found. */
  public enum Outcome {
    /** The stored envelope was fresh. */
    FRESH,
    /** This caller holds the fill lease. */
    GRANTED,
    /** Another process holds the fill lease. */
    HELD
  }
}
