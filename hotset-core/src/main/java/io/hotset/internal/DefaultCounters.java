package io.hotset.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hotset.CounterSeed;
import io.hotset.Counters;
import io.hotset.HotsetException;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.CounterTotals;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counters over a write-behind buffer: journal first (the acknowledgement), then the running
 * total, with the record held back from the flusher until its total is updated (the reason is
 * in DefaultWriteBehind's header). A failing total never fails an increment: the delta is
 * durable and reaches the source; the caller gets a best-effort value from the last totals this
 * process saw.
 */
public final class DefaultCounters<K> implements Counters<K> {
  private static final System.Logger LOG = System.getLogger(DefaultCounters.class.getName());
  /** Keys whose last total this process remembers for best-effort answers while the totals fail. */
  static final int BEST_EFFORT_KEYS = 10_000;
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final WriteBehindSpec<K, Long> spec;
  private final String w;
  private final CounterTotals totals;
  private final CounterSeed<? super K> seed;
  private final Cache<String, Long> lastSeen = Caffeine.newBuilder().maximumSize(BEST_EFFORT_KEYS)
      .executor(Runnable::run).build();
  private final Counter totalsErrors;
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private final AtomicLong quietErrors = new AtomicLong();
  private final DefaultWriteBehind<K, Long> buffer;

  private DefaultCounters(WriteBehindSpec<K, Long> spec) {
    this.spec = spec;
    this.w = "counters '" + spec.name() + "': ";
    this.totals = spec.totals() != null ? spec.totals() : new LocalCounterTotals();
    this.seed = spec.seed();
    this.totalsErrors = Counter.builder("hotset.writebehind.totals.errors").tag("name", spec.name())
        .description("running-total updates or reads that failed (the increments themselves succeeded)")
        .register(spec.meterRegistry());
    this.buffer = DefaultWriteBehind.open(spec, this::takeBack);
  }

  /** See {@link Counters#open}. */
  public static <K> Counters<K> open(WriteBehindSpec<K, Long> spec) {
    Objects.requireNonNull(spec, "spec");
    if (!spec.isCounters()) {
      throw new IllegalArgumentException("write-behind '" + spec.name()
          + "': Counters.open needs a spec of counters (WriteBehindSpec.counters), this one stores values");
    }
    if (spec.seed() == null) {
      throw new IllegalArgumentException("write-behind '" + spec.name() + "': Counters.open needs seed(...), "
          + "the source's current value of a key, from which its running total starts");
    }
    return new DefaultCounters<>(spec);
  }

  @Override
  public long increment(K key, long delta) {
    if (key == null) {
      throw new NullPointerException(w + "key must not be null");
    }
    String k = spec.keyFormat().format(key);
    long seq = buffer.append(key, delta, true);
    try {
      long total = totals.incrementBy(k, delta, seedOf(key, k));
      lastSeen.put(k, total);
      return total;
    } catch (Exception e) {
      failed("adding " + delta + " to the total of '" + k + "'", e);
      return bestEffort(key, k, delta, !(rootSeedFailure(e)));
    } finally {
      buffer.release(seq);
    }
  }

  @Override
  public long get(K key) {
    if (key == null) {
      throw new NullPointerException(w + "key must not be null");
    }
    String k = spec.keyFormat().format(key);
    try {
      OptionalLong known = totals.get(k);
      long total = known.isPresent() ? known.getAsLong() : totals.incrementBy(k, 0, seedOf(key, k));
      lastSeen.put(k, total);
      return total;
    } catch (Exception e) {
      failed("reading the total of '" + k + "'", e);
      Long last = lastSeen.getIfPresent(k);
      if (last != null) {
        return last;
      }
      if (rootSeedFailure(e)) {
        throw new HotsetException(w + "cannot read counter '" + k + "': " + e.getMessage(), e);
      }
      try {
        long source = seed.current(key);
        Long raced = lastSeen.asMap().putIfAbsent(k, source);
        return raced != null ? raced : source;
      } catch (Exception sourceFailed) {
        sourceFailed.addSuppressed(e);
        throw new HotsetException(w + "cannot read counter '" + k + "': the totals failed (" + e
            + ") and so did the source: " + sourceFailed, sourceFailed);
      }
    }
  }

  /** The last total seen plus this delta; for a key never seen, the source's value plus it. */
  private long bestEffort(K key, String k, long delta, boolean mayReadSource) {
    Long last = lastSeen.asMap().computeIfPresent(k, (x, v) -> v + delta);
    if (last != null) {
      return last;
    }
    if (mayReadSource) {
      try {
        // this delta is held from the flusher, so the source does not have it yet
        long source = seed.current(key);
        Long raced = lastSeen.asMap().putIfAbsent(k, source + delta);
        return raced == null ? source + delta : lastSeen.asMap().merge(k, delta, Long::sum);
      } catch (Exception e) {
        failed("reading the source's value of '" + k + "'", e);
      }
    }
    return delta; // nothing known: the delta is durable all the same
  }

  /** A dead-lettered delta never reaches the source: take it back out of the total. */
  private void takeBack(K key, Long delta) {
    String k = spec.keyFormat().format(key);
    try {
      // without a total, the seed (the source, which lacks this delta) plus the delta, minus it
      LongSupplier seedWithDelta = () -> seedOf(key, k).getAsLong() + delta;
      lastSeen.put(k, totals.incrementBy(k, -delta, seedWithDelta));
    } catch (Exception e) {
      failed("taking the dead-lettered delta " + delta + " back out of the total of '" + k + "'", e);
    }
  }

  private LongSupplier seedOf(K key, String k) {
    return () -> {
      try {
        return seed.current(key);
      } catch (Exception e) {
        throw new SeedFailedException(w + "cannot read the source's value of '" + k + "': " + e, e);
      }
    };
  }

  private static boolean rootSeedFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SeedFailedException) {
        return true;
      }
    }
    return false;
  }

  private void failed(String what, Exception e) {
    totalsErrors.increment();
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
      long quiet = quietErrors.getAndSet(0);
      LOG.log(System.Logger.Level.WARNING, w + what + " failed (" + totals + "); the increment itself is durable "
          + "and reaches the source, the total is best effort" + (quiet > 0 ? "; " + quiet
          + " more such failures since the last warning" : ""), e);
    } else {
      quietErrors.incrementAndGet();
      LOG.log(System.Logger.Level.DEBUG, w + what + " failed: " + e);
    }
  }

  @Override
  public long pending() {
    return buffer.pending();
  }

  @Override
  public boolean flush(Duration timeout) {
    return buffer.flush(timeout);
  }

  @Override
  public void close() {
    buffer.close();
  }

  @Override
  public String toString() {
    return "Counters[" + spec.name() + ", totals: " + totals + "]";
  }

  /** The seed (the source) failed, not the totals; carries the source's exception. */
  private static final class SeedFailedException extends HotsetException {
    private static final long serialVersionUID = 1L;

    SeedFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
