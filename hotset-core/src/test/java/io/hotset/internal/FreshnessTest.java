package io.hotset.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Acceptance 3 (formula): XFetch's trigger share follows exp(-(expiry - now) / (delta * beta)). */
class FreshnessTest {

  @Test
  void xfetchTriggerShareMatchesTheFormulaAndRisesTowardsExpiry() {
    SplittableRandom random = new SplittableRandom(42);
    long delta = 100_000_000L; // the load took 100 ms
    double beta = 1.5;
    long expiry = 60_000_000_000L;
    int samples = 200_000;
    double previous = -1;
    for (double k : new double[] {6, 4, 3, 2, 1.5, 1, 0.5, 0.25, 0.1}) {
      long now = expiry - (long) (k * delta * beta);
      int hits = 0;
      for (int i = 0; i < samples; i++) {
        double u = 1.0 - random.nextDouble(); // (0, 1]
        if (Freshness.xfetch(now, expiry, delta, beta, u)) {
          hits++;
        }
      }
      double observed = (double) hits / samples;
      double expected = Freshness.xfetchProbability(now, expiry, delta, beta);
      assertThat(expected).isCloseTo(Math.exp(-k), org.assertj.core.data.Offset.offset(1e-9));
      double sigma = Math.sqrt(expected * (1 - expected) / samples);
      assertThat(observed).as("share at %s deltas before expiry", k)
          .isBetween(expected - 5 * sigma - 1e-6, expected + 5 * sigma + 1e-6);
      assertThat(observed).as("rises towards expiry").isGreaterThan(previous);
      previous = observed;
    }
  }

  @Test
  void xfetchNeverTriggersWithoutAMeasuredLoadTimeOrWithBetaZero() {
    assertThat(Freshness.xfetch(0, 10, 0, 1, 1e-300)).isFalse();
    assertThat(Freshness.xfetch(0, 10, 5, 0, 1e-300)).isFalse();
    assertThat(Freshness.xfetchFrom(1000, 0, 1)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void jitterStaysInsideItsWindow() {
    long ttl = 1_000_000;
    assertThat(Freshness.jittered(ttl, 0.1, 0)).isEqualTo(900_000);
    assertThat(Freshness.jittered(ttl, 0.1, Math.nextDown(1.0))).isLessThanOrEqualTo(1_100_000);
    assertThat(Freshness.jittered(ttl, 0, 0.3)).isEqualTo(ttl);
  }

  @Test
  void refreshAheadStartsInTheLastFractionOfTheTtl() {
    assertThat(Freshness.refreshAheadAt(0, 1000, 0.2)).isEqualTo(800);
    assertThat(Freshness.refreshAheadAt(0, 1000, 0)).isEqualTo(Long.MAX_VALUE);
  }
}
