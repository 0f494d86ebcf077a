package io.hotset;

import java.time.Duration;

/**
 * A miss was refused because the region's load bulkhead was full and no stale value existed.
 * The source is protected from the overload; the caller should retry after {@link #retryAfter()}
 * (HTTP maps this to {@code 503} with {@code Retry-After}).
 */
public class LoadShedException extends HotsetException {
  private static final long serialVersionUID = 1L;
  private final String region;
  private final transient Duration retryAfter;

  public LoadShedException(String region, String key, Duration retryAfter, String why) {
    super("region '" + region + "': load of key '" + key + "' shed (" + why + "); retry after "
        + retryAfter.toMillis() + " ms");
    this.region = region;
    this.retryAfter = retryAfter;
  }

  /** The region that shed the load. */
  public String region() {
    return region;
  }

  /** A hint of when a retry is likely to succeed. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
