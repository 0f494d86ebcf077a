package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyChooserTest {

  private static long[] draw(KeyChooser chooser, int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = chooser.next(random);
    }
    return out;
  }

  @Test
  void zipfIsSkewedLikeTheDistributionAndStaysInRange() {
    int products = 10_000;
    long[] ids = draw(KeyChooser.zipf(products, 0.99, 7), 500_000, 3);
    int[] counts = new int[products + 1];
    for (long id : ids) {
      assertThat(id).isBetween(1L, (long) products);
      counts[(int) id]++;
    }
    Arrays.sort(counts);
    long top100 = 0;
    for (int i = counts.length - 100; i < counts.length; i++) {
      top100 += counts[i];
    }
    // H(100, 0.99) / H(10000, 0.99) ~= 0.53: the top 1% of ids take about half the reads
    assertThat((double) top100 / ids.length).isBetween(0.50, 0.56);
    // and the hottest id about 1 / H(10000, 0.99) ~= 0.104
    assertThat((double) counts[counts.length - 1] / ids.length).isBetween(0.095, 0.115);
  }

  @Test
  void theSameSeedGivesTheSameSequence() {
    assertThat(draw(KeyChooser.zipf(1000, 0.99, 1), 1000, 5)).containsExactly(draw(KeyChooser.zipf(1000, 0.99, 1),
        1000, 5));
    assertThat(draw(KeyChooser.zipf(1000, 0.99, 1), 1000, 5)).isNotEqualTo(draw(KeyChooser.zipf(1000, 0.99, 1),
        1000, 6));
  }

  @Test
  void uniformCoversTheRangeEvenly() {
    long[] ids = draw(KeyChooser.uniform(10), 100_000, 1);
    int[] counts = new int[11];
    for (long id : ids) {
      counts[(int) id]++;
    }
    assertThat(counts[0]).isZero();
    for (int i = 1; i <= 10; i++) {
      assertThat(counts[i]).isBetween(9_500, 10_500);
    }
  }

  @Test
  void traceReplaysInOrderAndLoops(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("trace.txt");
    Files.writeString(file, "# a comment\n5\n\n3 extra columns\n9,1\n");
    long[] trace = KeyChooser.readTrace(file);
    assertThat(trace).containsExactly(5, 3, 9);
    assertThat(draw(KeyChooser.trace(trace), 7, 1)).containsExactly(5, 3, 9, 5, 3, 9, 5);
  }

  @Test
  void aBadTraceLineIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.txt");
    Files.writeString(file, "1\nabc\n");
    assertThatThrownBy(() -> KeyChooser.readTrace(file)).hasMessageContaining("bad.txt:2").hasMessageContaining("abc");
    Files.writeString(file, "# nothing\n");
    assertThatThrownBy(() -> KeyChooser.readTrace(file)).hasMessageContaining("no ids");
  }

  @Test
  void hotKeyTakesItsShare() {
    long[] ids = draw(KeyChooser.uniform(1000).withHotKey(4242, 0.3), 100_000, 2);
    long hot = Arrays.stream(ids).filter(id -> id == 4242).count();
    assertThat(hot / 100_000.0).isBetween(0.29, 0.31);
  }

  @Test
  void missingIdsLieBeyondTheProducts() {
    long[] ids = draw(KeyChooser.uniform(100).withMissing(100, 50, 1.0), 10_000, 2);
    assertThat(Arrays.stream(ids).allMatch(id -> id >= 101 && id <= 150)).isTrue();
    assertThat(Arrays.stream(ids).distinct().count()).isEqualTo(50);
    long[] half = draw(KeyChooser.uniform(100).withMissing(100, 50, 0.5), 10_000, 2);
    assertThat(Arrays.stream(half).filter(id -> id > 100).count() / 10_000.0).isBetween(0.47, 0.53);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> KeyChooser.uniform(0)).hasMessageContaining("was 0");
    assertThatThrownBy(() -> KeyChooser.uniform(3).withHotKey(1, 1.5)).hasMessageContaining("was 1.5");
    assertThatThrownBy(() -> KeyChooser.trace(new long[0])).hasMessageContaining("no ids");
  }

  @Test
  void distinctIdsCountsExistingAndMissingSeparately() {
    DistinctIds ids = new DistinctIds(300);
    for (long id : new long[] {1, 1, 2, 63, 64, 65, 127, 128, 200, 201, 201, 300, 301}) {
      ids.add(id);
    }
    assertThat(ids.count(1, 200)).isEqualTo(8);
    assertThat(ids.count(201, Long.MAX_VALUE)).isEqualTo(2);
    assertThat(ids.untracked()).isEqualTo(1);
  }
}
