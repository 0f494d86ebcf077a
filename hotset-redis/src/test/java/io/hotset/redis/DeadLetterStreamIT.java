package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.DeadLetter;
import io.hotset.spi.KeyFormat;
import io.hotset.testkit.LogCapture;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Poison write-behind records in a Redis Stream dead-letter queue, and what happens when it is unreachable. */
@WithRedis
class DeadLetterStreamIT {
  private static final String GHOST = "ghost";
  /** 1,000 writes: every 50th (i = 7, 57, ...) to the poison key, the rest over p0..p19. */
  private static final int WRITES = 1_000;
  private static final int POISONED = 20;

  private static String keyOf(int i) {
    return i % 50 == 7 ? GHOST : "p" + (i % 20);
  }

  private static WriteBehindSpec.Builder<String, Long> views(HotsetRedis redis, CountingSource source,
      SimpleMeterRegistry registry) {
    return WriteBehindSpec.counters("views", KeyFormat.standard(String.class)).sink(source)
        .journal(redis.writeJournal("views-a")).journalId("views-a").meterRegistry(registry)
        .flushInterval(Duration.ofMillis(50)).maxBatch(100);
  }

  private static void writeAll(WriteBehind<String, Long> views) {
    for (int i = 0; i < WRITES; i++) {
      views.write(keyOf(i), 1L);
    }
  }

  private static void assertTheRestIsExact(CountingSource source) {
    Map<String, Long> rows = source.snapshot();
    long expectedTotal = WRITES - POISONED;
    assertThat(rows).doesNotContainKey(GHOST).hasSize(20);
    assertThat(rows.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expectedTotal);
    for (int k = 0; k < 20; k++) {
      int key = k;
      long expected = java.util.stream.IntStream.range(0, WRITES).filter(i -> i % 20 == key && i % 50 != 7).count();
      assertThat(rows.get("p" + k)).as("p%d", k).isEqualTo(expected);
    }
  }

  @Test
  void aPoisonRecordLandsInTheRedisStreamAndNothingElseIsLost(RedisServer server) {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of(GHOST));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Instant before = Instant.now();
    try (HotsetRedis redis = HotsetRedis.builder().url(server.uri()).keyPrefix("app").build()) {
      DeadLetterStream dlq = redis.deadLetterStream("views");
      assertThat(dlq.key()).isEqualTo("app:dlq:views");
      try (WriteBehind<String, Long> views = WriteBehind.open(views(redis, source, registry).deadLetters(dlq).build())) {
        writeAll(views);
        assertThat(views.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(views.pending()).isZero();
      }
      assertThat(server.command("XLEN", "app:dlq:views")).isEqualTo((long) POISONED);
      assertThat(dlq.size()).isEqualTo(POISONED);

      List<?> first = (List<?>) ((List<?>) server.command("XRANGE", "app:dlq:views", "-", "+", "COUNT", "1")).get(0);
      List<Object> fields = new ArrayList<>((List<?>) first.get(1));
      List<Object> names = new ArrayList<>();
      for (int i = 0; i < fields.size(); i += 2) {
        names.add(fields.get(i));
      }
      assertThat(names).containsExactly("name", "journal", "seq", "key", "value", "text", "reason", "at");
      assertThat(fields.subList(1, 14)).containsExactly("views", "journal", "views-a", "seq", "8", "key", GHOST,
          "value", "1", "text", "1", "reason", "no product 'ghost'");

      List<DeadLetter> letters = dlq.read(1_000);
      assertThat(letters).hasSize(POISONED);
      assertThat(letters).extracting(DeadLetter::sequence)
          .containsExactlyElementsOf(LongStream.range(0, POISONED).map(n -> 8 + 50 * n).boxed().toList());
      assertThat(letters).allSatisfy(l -> {
        assertThat(l.name()).isEqualTo("views");
        assertThat(l.journalId()).isEqualTo("views-a");
        assertThat(l.key()).isEqualTo(GHOST);
        assertThat(new String(l.value(), StandardCharsets.US_ASCII)).isEqualTo("1");
        assertThat(l.reason()).isEqualTo("no product 'ghost'");
        assertThat(l.at()).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
      });
      assertThat(dlq.read(3)).hasSize(3).isEqualTo(letters.subList(0, 3));
    }
    assertThat(registry.get("hotset.writebehind.dead.letters").counter().count()).isEqualTo(POISONED);
    assertThat(registry.get("hotset.writebehind.dead.letters.failed").counter().count()).isZero();
    assertTheRestIsExact(source);
  }

  @Test
  void anUnreachableDeadLetterStreamIsLoggedAtErrorAndCountedAndFlushingGoesOn(RedisServer server) throws Exception {
    server.flushAll();
    CountingSource source = new CountingSource(Set.of(GHOST));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (TcpProxy proxy = new TcpProxy(server.port());
        HotsetRedis redis = HotsetRedis.builder().url(server.uri()).keyPrefix("app").build();
        HotsetRedis dlqRedis = HotsetRedis.builder().url("redis://127.0.0.1:" + proxy.port()).keyPrefix("app").build();
        LogCapture log = new LogCapture("io.hotset.internal.DefaultWriteBehind")) {
      DeadLetterStream dlq = dlqRedis.deadLetterStream("views");
      proxy.cut(); // the dead-letter queue's Redis is gone; the journal's is fine
      try (WriteBehind<String, Long> views = WriteBehind.open(views(redis, source, registry).deadLetters(dlq).build())) {
        long t0 = System.nanoTime();
        writeAll(views);
        assertThat(views.flush(Duration.ofSeconds(30))).as("flushing goes on").isTrue();
        System.out.printf("dead-letter stream down: %d writes flushed, %d dead letters failed, in %d ms%n", WRITES,
            (long) registry.get("hotset.writebehind.dead.letters.failed").counter().count(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertTheRestIsExact(source);
        assertThat(registry.get("hotset.writebehind.dead.letters").counter().count()).isEqualTo(POISONED);
        assertThat(registry.get("hotset.writebehind.dead.letters.failed").counter().count()).isEqualTo(POISONED);
        assertThat(log.errors()).hasSize(POISONED).allSatisfy(m -> assertThat(m)
            .contains("cannot store a dead letter in dead-letter stream app:dlq:views", "only copy",
                "\tghost\t1\tno product 'ghost'"));
        assertThat(server.command("XLEN", "app:dlq:views")).isEqualTo(0L);

        proxy.restore(); // back: later poison records reach the stream again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((Long) server.command("XLEN", "app:dlq:views") == 0 && System.nanoTime() < deadline) {
          views.write(GHOST, 1L);
          views.write("p0", 1L);
          assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
          Thread.sleep(200);
        }
        assertThat(server.command("XLEN", "app:dlq:views")).as("stored once Redis is back").isEqualTo(1L);
        assertThat(views.pending()).isZero();
      }
    }
  }

  @Test
  void theStreamIsTrimmedToAboutItsMaxLength(RedisServer server) throws Exception {
    server.flushAll();
    try (HotsetRedis redis = HotsetRedis.builder().url(server.uri()).keyPrefix("app").build()) {
      DeadLetterStream dlq = redis.deadLetterStream("capped", 50);
      for (int i = 1; i <= 1_000; i++) {
        dlq.deadLetter(new DeadLetter("views", "views-a", i, "k" + i, new byte[] {(byte) i}, "x", "why",
            Instant.now()));
      }
      long length = dlq.size();
      System.out.printf("dead-letter stream MAXLEN ~ 50 after 1,000 entries: XLEN %d%n", length);
      // MAXLEN ~ trims whole stream nodes (stream-node-max-entries, 100 by default)
      assertThat(length).isBetween(50L, 150L);
      List<DeadLetter> kept = dlq.read(1_000);
      assertThat(kept.get(kept.size() - 1).sequence()).as("the newest are kept").isEqualTo(1_000);
      assertThat(kept.get(kept.size() - 1).value()).containsExactly((byte) 1_000);
    }
  }
}
