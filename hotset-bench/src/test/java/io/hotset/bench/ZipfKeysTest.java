package io.hotset.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ZipfKeysTest {

  @Test
  void zipfSamplesAreSkewedLikeTheDistribution() {
    int items = 10_000;
    ZipfKeys zipf = new ZipfKeys(items, 0.99, 1);
    int[] counts = new int[items];
    int n = 1_000_000;
    for (int s : zipf.samples(n, 2)) {
      counts[s]++;
    }
    java.util.Arrays.sort(counts);
    long top100 = 0;
    for (int i = items - 100; i < items; i++) {
      top100 += counts[i];
    }
    // H(100, 0.99) / H(10000, 0.99) ~= 0.53: the top 1% of keys take about half the reads
    double share = (double) top100 / n;
    assertThat(share).isBetween(0.50, 0.56);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new ZipfKeys(0, 1, 1)).hasMessageContaining("was 0");
    assertThatThrownBy(() -> new ZipfKeys(10, -1, 1)).hasMessageContaining("was -1.0");
  }
}
