package io.hotset;

import java.util.Set;

/**
 * Thrown by a {@link io.hotset.spi.WriteBehindSink} when specific keys can never be applied
 * (e.g. a constraint violation): their records go to the dead letters and the rest of the batch
 * is retried without them. Any other exception is retried with backoff.
 */
public class PoisonRecordException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Set<?> keys;

  public PoisonRecordException(Set<?> keys, String message, Throwable cause) {
    super(message, cause);
    this.keys = Set.copyOf(keys);
  }

  /** The keys that cannot be applied. */
  public Set<?> keys() {
    return keys;
  }
}
