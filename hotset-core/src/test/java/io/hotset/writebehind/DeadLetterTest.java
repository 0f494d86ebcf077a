package io.hotset.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.PoisonRecordException;
import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.internal.DefaultWriteBehind;
import io.hotset.spi.DeadLetter;
import io.hotset.spi.DeadLetterSink;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.WriteBehindSink;
import io.hotset.testkit.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Poison records: kept by the dead-letter sink, counted, and never in the way of the rest. */
class DeadLetterTest {
  private static final int POISON = 3;

  @TempDir
  Path dir;

  /** Rejects key 3 (a product that does not exist) and applies the rest. */
  static WriteBehindSink<Integer, Long> rejecting(MemorySink<Integer> source) {
    return new WriteBehindSink<>() {
      @Override
      public long appliedThrough(String journalId) {
        return source.appliedThrough(journalId);
      }

      @Override
      public void apply(Map<Integer, Long> merged, String journalId, long through) throws Exception {
        if (merged.containsKey(POISON)) {
          throw new PoisonRecordException(Set.of(POISON), "product " + POISON + " does not exist", null);
        }
        source.apply(merged, journalId, through);
      }
    };
  }

  private WriteBehindSpec.Builder<Integer, Long> views(MemorySink<Integer> source, SimpleMeterRegistry registry) {
    return WriteBehindSpec.counters("views", KeyFormat.standard(Integer.class)).sink(rejecting(source))
        .journalDirectory(dir).meterRegistry(registry).flushInterval(Duration.ofMillis(20)).maxBatch(25);
  }

  /** 100 increments over keys 0..9, 10 each; returns the sequences of key 3's. */
  private static void writeTenEach(WriteBehind<Integer, Long> views) {
    for (int i = 0; i < 100; i++) {
      views.write(i % 10, 1L);
    }
  }

  @Test
  void aPoisonRecordGoesToTheDeadLetterSinkAndTheRestOfTheBatchIsApplied() {
    MemorySink<Integer> source = new MemorySink<>(true);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    Instant before = Instant.now();
    try (WriteBehind<Integer, Long> views = WriteBehind.open(views(source, registry).deadLetters(letters::add)
        .build())) {
      writeTenEach(views);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(letters).as("one dead letter per poison record, not per merged key").hasSize(10);
    assertThat(letters).allSatisfy(l -> {
      assertThat(l.name()).isEqualTo("views");
      assertThat(l.journalId()).isEqualTo("views");
      assertThat(l.key()).isEqualTo("3");
      assertThat(l.value()).isEqualTo("1".getBytes(StandardCharsets.US_ASCII));
      assertThat(l.valueText()).isEqualTo("1");
      assertThat(l.reason()).isEqualTo("product 3 does not exist");
      assertThat(l.at()).isBetween(before, Instant.now());
    });
    // sequences 1..100: key 3 was written at i = 3, 13, ..., 93
    assertThat(letters).extracting(DeadLetter::sequence).containsExactly(4L, 14L, 24L, 34L, 44L, 54L, 64L, 74L, 84L, 94L);
    assertThat(registry.get("hotset.writebehind.dead.letters").counter().count()).isEqualTo(10);
    assertThat(registry.get("hotset.writebehind.dead.letters.failed").counter().count()).isZero();
    assertThat(source.snapshot()).as("every other key exact").hasSize(9).doesNotContainKey(POISON)
        .allSatisfy((k, v) -> assertThat(v).isEqualTo(10));
  }

  @Test
  void theDeadLetterFileKeepsItsTabSeparatedLines() throws IOException {
    MemorySink<Integer> source = new MemorySink<>(true);
    Path file = dir.resolve("views.dead");
    try (WriteBehind<Integer, Long> views = WriteBehind.open(views(source, new SimpleMeterRegistry())
        .deadLetterFile(file).build())) {
      writeTenEach(views);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(10).first().isEqualTo("4\t3\t1\tproduct 3 does not exist");
    assertThat(source.total()).isEqualTo(90);
  }

  @Test
  void aFailingDeadLetterSinkIsLoggedAtErrorAndCountedAndFlushingGoesOn() {
    MemorySink<Integer> source = new MemorySink<>(true);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DeadLetterSink broken = letter -> {
      throw new IOException("dead-letter store unreachable");
    };
    try (LogCapture log = new LogCapture(DefaultWriteBehind.class.getName());
        WriteBehind<Integer, Long> views = WriteBehind.open(views(source, registry).deadLetters(broken).build())) {
      writeTenEach(views);
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(source.total()).as("the rest of every batch applied").isEqualTo(90);
      assertThat(registry.get("hotset.writebehind.dead.letters").counter().count()).isEqualTo(10);
      assertThat(registry.get("hotset.writebehind.dead.letters.failed").counter().count()).isEqualTo(10);
      assertThat(log.errors()).hasSize(10).allSatisfy(m -> assertThat(m)
          .contains("cannot store a dead letter", "only copy", "\t3\t1\tproduct 3 does not exist"));
      assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains("4\t3\t1\t"));
      // and it keeps flushing later writes
      for (int i = 0; i < 50; i++) {
        views.write(i % 2, 1L);
      }
      assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(source.total()).isEqualTo(140);
      assertThat(views.pending()).isZero();
    }
  }

  @Test
  void aDeadLetterFileAndADeadLetterSinkAreOneOptionGivenTwice() {
    MemorySink<Integer> source = new MemorySink<>(true);
    DeadLetterSink sink = new DeadLetterSink() {
      @Override
      public void deadLetter(DeadLetter letter) {}

      @Override
      public String toString() {
        return "my-sink";
      }
    };
    assertThatThrownBy(() -> views(source, new SimpleMeterRegistry()).deadLetterFile(Path.of("/tmp/dead"))
        .deadLetters(sink).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("write-behind 'views'").hasMessageContaining("/tmp/dead").hasMessageContaining("my-sink");
    assertThatThrownBy(() -> views(source, new SimpleMeterRegistry()).deadLetters(null))
        .isInstanceOf(NullPointerException.class).hasMessage("deadLetters");
  }

  @Test
  void aDeadLetterCopiesItsValueAndRejectsNulls() {
    byte[] value = {1, 2};
    DeadLetter letter = new DeadLetter("views", "views", 1, "3", value, "x", "why", Instant.EPOCH);
    value[0] = 9;
    assertThat(letter.value()).containsExactly(1, 2);
    assertThat(letter).isEqualTo(new DeadLetter("views", "views", 1, "3", new byte[] {1, 2}, "x", "why", Instant.EPOCH));
    assertThatThrownBy(() -> new DeadLetter("views", "views", 1, null, value, "x", "why", Instant.EPOCH))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
  }
}
