package io.hotset;

import java.time.Duration;

/** A write-behind buffer refused a write: it holds its bound of unflushed writes (the source is behind or down). */
public class WriteBehindFullException extends HotsetException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;

  public WriteBehindFullException(String name, long pending, Duration waited, Duration retryAfter) {
    super("write-behind '" + name + "': " + pending + " unflushed writes (its maxPending); "
        + (waited.isZero() ? "rejected" : "waited " + waited.toMillis() + " ms") + "; the source is behind or down");
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
