package io.hotset.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.hotset.Loader;
import io.hotset.spi.Ticker;
import java.time.Duration;

/**
 * The source positions of a region's recent invalidations (design, "Read replicas": a fill after
 * an invalidation must read a source at least as new as the change behind it). Per key, the
 * highest position seen within the retention; for tag invalidations and for keys this map had
 * to evict, one region-wide position, which holds every key to it (safe, only less precise:
 * such fills may go to the primary where a replica would have done).
 *
 * <p>Thread-safe. Costs nothing until an invalidation carries a position.
 */
final class SourcePositions {
  /** Keys remembered one by one; beyond that their positions fold into the region-wide one. */
  static final int MAX_KEYS = 100_000;

  private final Ticker ticker;
  private final long retentionNanos;
  private final Cache<String, Long> byKey;
  private final Object lock = new Object();
  /** The region-wide position and the ticker time it was last raised; null until one is. Written under lock. */
  private volatile Wide wide;

  private record Wide(long position, long at) {}

  SourcePositions(Ticker ticker, Duration retention, int maxKeys) {
    this.ticker = ticker;
    this.retentionNanos = retention.toNanos();
    this.byKey = Caffeine.newBuilder()
        .ticker(ticker::read)
        .executor(Runnable::run)
        .expireAfterWrite(retention)
        .maximumSize(maxKeys)
        // evictionListener, not removalListener: it runs inside the eviction, so no floor() sees the
        // key gone before the region-wide position holds it
        .<String, Long>evictionListener((k, v, cause) -> {
          if (cause == RemovalCause.SIZE && v != null) {
            raiseAll(v); // never lose a position: hold every key to it instead
          }
        })
        .build();
  }

  /** Remembers that {@code key} changed at {@code position} (0: nothing to remember). */
  void raise(String key, long position) {
    if (position > 0) {
      byKey.asMap().merge(key, position, Math::max);
    }
  }

  /** Remembers a change at {@code position} that may concern any key (a tag, an evicted key). */
  void raiseAll(long position) {
    if (position > 0) {
      synchronized (lock) {
        long now = ticker.read();
        Wide w = wide;
        boolean keep = w != null && w.position() > position && now - w.at() < retentionNanos;
        wide = new Wide(keep ? w.position() : position, now);
      }
    }
  }

  /** The position a fill of {@code key} must read at or past, or {@link Loader#ANY_POSITION}. */
  long floor(String key) {
    Long p = byKey.getIfPresent(key);
    long f = p != null ? p : Loader.ANY_POSITION;
    Wide w = wide; // no lock on the load path: one immutable pair
    if (w != null && w.position() > f && ticker.read() - w.at() < retentionNanos) {
      f = w.position();
    }
    return f;
  }

  /** Runs pending map maintenance (evictions), for tests. */
  void cleanUp() {
    byKey.cleanUp();
  }
}
