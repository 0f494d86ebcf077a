package io.hotset.http.spi;

import java.util.List;
import java.util.Objects;

/**
 * What an {@link EdgePurger} call achieved once its retries were over.
 *
 * @param purged the keys or URLs the edge confirmed
 * @param failed the keys or URLs whose purge failed for good (they expire by TTL instead)
 * @param requests how many HTTP requests (including retries) were sent
 * @param error the last failure, for logs; null when nothing failed
 */
public record PurgeResult(List<String> purged, List<String> failed, int requests, String error) {

  /** Copies the lists. */
  public PurgeResult {
    purged = List.copyOf(purged);
    failed = List.copyOf(failed);
    if (requests < 0) {
      throw new IllegalArgumentException("requests must not be negative, was " + requests);
    }
    if (!failed.isEmpty()) {
      Objects.requireNonNull(error, "error is required when something failed");
    }
  }

  /** Everything purged. */
  public static PurgeResult success(List<String> purged, int requests) {
    return new PurgeResult(purged, List.of(), requests, null);
  }

  /** Whether every key or URL was purged. */
  public boolean isComplete() {
    return failed.isEmpty();
  }
}
