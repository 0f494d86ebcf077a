package io.hotset;

import io.hotset.spi.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker tests move by hand; wall time moves with it. */
public final class FakeTicker implements Ticker {
  private static final long WALL_BASE = 1_700_000_000_000L;
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public long wallMillis() {
    return WALL_BASE + nanos.get() / 1_000_000L;
  }

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  public void advanceNanos(long n) {
    nanos.addAndGet(n);
  }
}
