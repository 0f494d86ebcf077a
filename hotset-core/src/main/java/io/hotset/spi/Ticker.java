package io.hotset.spi;

/**
 * A source of time for the engine: a monotonic nanosecond reading for freshness decisions
 * and a wall clock for values that cross process boundaries (L2 envelopes, invalidation lag).
 * Tests inject a fake ticker to drive expiry deterministically.
 */
public interface Ticker {

  /** Monotonic nanoseconds; only differences between two readings are meaningful. */
  long read();

  /** Wall-clock milliseconds since the epoch; used only for values shared between processes. */
  default long wallMillis() {
    return System.currentTimeMillis();
  }

  /** The system ticker: {@link System#nanoTime()} and {@link System#currentTimeMillis()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
