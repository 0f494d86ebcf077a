package io.hotset.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Zipf-distributed key indexes, precomputed so the benchmark loop only reads an array.
 * Rank {@code i} (1-based) has weight {@code 1 / i^alpha}; ranks are scrambled by a fixed
 * permutation so the hottest keys are not neighbours.
 */
public final class ZipfKeys {
  private final double[] cdf;
  private final int[] permutation;

  public ZipfKeys(int items, double alpha, long seed) {
    if (items < 1) {
      throw new IllegalArgumentException("items must be >= 1, was " + items);
    }
    if (!(alpha >= 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha must be finite and >= 0, was " + alpha);
    }
    cdf = new double[items];
    double sum = 0;
    for (int i = 0; i < items; i++) {
      sum += 1.0 / Math.pow(i + 1, alpha);
      cdf[i] = sum;
    }
    for (int i = 0; i < items; i++) {
      cdf[i] /= sum;
    }
    permutation = new int[items];
    for (int i = 0; i < items; i++) {
      permutation[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = items - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = permutation[i];
      permutation[i] = permutation[j];
      permutation[j] = t;
    }
  }

  /** The item index for a uniform draw {@code u} in [0, 1). */
  public int sample(double u) {
    int rank = Arrays.binarySearch(cdf, u);
    if (rank < 0) {
      rank = -rank - 1;
    }
    return permutation[Math.min(rank, cdf.length - 1)];
  }

  /** {@code count} samples from a seeded generator. */
  public int[] samples(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = sample(random.nextDouble());
    }
    return out;
  }
}
