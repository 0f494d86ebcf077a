package io.hotset.postgres;

import java.util.Set;

/**
 * Purges surrogate keys at the HTTP edge (Varnish, a CDN) as the last step of a change's
 * fan-out. Throwing fails the batch, which is retried; the log position is not acknowledged
 * until it succeeds.
 */
@FunctionalInterface
public interface EdgePurgeHook {
  void purge(Set<String> surrogateKeys) throws Exception;

  /** Purges nothing. */
  static EdgePurgeHook none() {
    return keys -> { };
  }
}
