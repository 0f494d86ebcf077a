package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Acceptance 4: entries written at one instant expire spread over the jitter window. */
class JitterTest {

  @Test
  void tenThousandEntriesWrittenTogetherExpireSpreadOverTheJitterWindow() {
    FakeTicker ticker = new FakeTicker();
    int n = 10_000;
    try (Hotset hotset = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<Integer, String> region = hotset.region(RegionSpec.builder("jitter", Integer.class, String.class)
          .ttl(Duration.ofSeconds(100)).maximumSize(2 * n).earlyRefreshBeta(0)
          .loader(k -> "v" + k).build());
      for (int i = 0; i < n; i++) {
        region.get(i);
      }
      // default jitter ±10%: the window is [90 s, 110 s]; walk it in 1% slices (0.2 s)
      ticker.advance(Duration.ofSeconds(90).minusMillis(1));
      assertThat(freshCount(region, n)).as("nothing expires before the window").isEqualTo(n);
      int maxPerSlice = 0;
      int fresh = n;
      for (int slice = 0; slice < 100; slice++) {
        ticker.advance(Duration.ofMillis(200));
        int now = freshCount(region, n);
        maxPerSlice = Math.max(maxPerSlice, fresh - now);
        fresh = now;
      }
      ticker.advance(Duration.ofMillis(2));
      assertThat(freshCount(region, n)).as("everything expired by the end of the window").isZero();
      assertThat(maxPerSlice).as("most expiries in any 1%% slice").isLessThanOrEqualTo(n * 2 / 100);
      System.out.printf("jitter: max %d of %d entries (%.2f%%) expired in one 1%% slice%n",
          maxPerSlice, n, 100.0 * maxPerSlice / n);
    }
  }

  private static int freshCount(Region<Integer, String> region, int n) {
    int fresh = 0;
    for (int i = 0; i < n; i++) {
      if (region.getIfPresent(i) != null) {
        fresh++;
      }
    }
    return fresh;
  }
}
