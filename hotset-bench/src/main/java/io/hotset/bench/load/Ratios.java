package io.hotset.bench.load;

/** Ratios that are {@code null} (JSON null, "n/a" in text) rather than NaN when undefined. */
final class Ratios {
  private Ratios() {}

  /** {@code part / whole}, or null when {@code whole} is not positive. */
  static Double ratio(double part, double whole) {
    return whole > 0 && Double.isFinite(part) ? part / whole : null;
  }

  /** {@code a / b} of two optional values, or null when either is missing or b is 0. */
  static Double ratio(Double a, Double b) {
    return a == null || b == null ? null : ratio(a.doubleValue(), b.doubleValue());
  }
}
