package io.hotset.internal;

/**
 * The pure freshness arithmetic of a region: jittered TTLs, stale windows and the early
 * refresh decisions, all as functions of time so they can be tested with a fake ticker.
 */
final class Freshness {
  /**
   * Beyond {@code loadNanos * beta * XFETCH_HORIZON} before expiry the XFetch probability is
   * below e^-40, so reads further out skip the random draw entirely.
   */
  static final double XFETCH_HORIZON = 40;

  private Freshness() {}

  /** A TTL spread uniformly over {@code ttl * (1 ± jitter)}; {@code u} is uniform in [0, 1). */
  static long jittered(long ttlNanos, double jitter, double u) {
    if (jitter == 0) {
      return ttlNanos;
    }
    return Math.max(1, (long) (ttlNanos * (1 + jitter * (2 * u - 1))));
  }

  /**
   * XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede
   * Prevention", PVLDB 8(8), 2015): refresh early when
   * {@code now - delta * beta * ln(u) >= expiry}, i.e. with probability
   * {@code exp(-(expiry - now) / (delta * beta))}.
   *
   * @param u uniform in (0, 1]
   */
  static boolean xfetch(long now, long expiry, long deltaNanos, double beta, double u) {
    if (beta <= 0 || deltaNanos <= 0) {
      return false;
    }
    return now - deltaNanos * beta * Math.log(u) >= expiry;
  }

  /** The probability that {@link #xfetch} answers true at {@code now}. */
  static double xfetchProbability(long now, long expiry, long deltaNanos, double beta) {
    if (now >= expiry) {
      return 1;
    }
    return Math.exp(-(double) (expiry - now) / (deltaNanos * beta));
  }

  /** The first tick at which XFetch can plausibly trigger. */
  static long xfetchFrom(long freshUntil, long deltaNanos, double beta) {
    if (beta <= 0 || deltaNanos <= 0) {
      return Long.MAX_VALUE;
    }
    return freshUntil - (long) Math.min(deltaNanos * beta * XFETCH_HORIZON, (double) Long.MAX_VALUE / 4);
  }

  /** The tick from which refresh-ahead triggers: the last {@code fraction} of the TTL. */
  static long refreshAheadAt(long loadedAt, long freshUntil, double fraction) {
    if (fraction <= 0) {
      return Long.MAX_VALUE;
    }
    return freshUntil - (long) ((freshUntil - loadedAt) * fraction);
  }
}
