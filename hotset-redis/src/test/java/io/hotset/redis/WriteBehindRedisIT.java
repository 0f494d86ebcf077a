package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.WriteBehindSink;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Write-behind with its journal in a Redis Stream. */
@WithRedis
class WriteBehindRedisIT {

  /** A transactional in-memory source (rows and checkpoint change together). */
  static final class Source implements WriteBehindSink<String, Long> {
    final Map<String, Long> rows = new HashMap<>();
    long checkpoint;

    @Override
    public synchronized long appliedThrough(String id) {
      return checkpoint;
    }

    @Override
    public synchronized void apply(Map<String, Long> merged, String id, long through) {
      merged.forEach((k, v) -> rows.merge(k, v, Long::sum));
      checkpoint = through;
    }

    synchronized long total() {
      return rows.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static WriteBehind<String, Long> open(HotsetRedis redis, WriteBehindSink<String, Long> sink) {
    return WriteBehind.open(WriteBehindSpec.counters("likes", KeyFormat.standard(String.class))
        .sink(sink).journal(redis.writeJournal("likes-node1")).meterRegistry(new SimpleMeterRegistry())
        .flushInterval(Duration.ofMillis(50)).maxBatch(100).build());
  }

  @Test
  void aCrashedProcessesAcknowledgedWritesAreReplayedExactlyOnceFromTheStream(RedisServer server) throws Exception {
    server.flushAll();
    Source source = new Source();
    AtomicBoolean crashed = new AtomicBoolean();
    WriteBehindSink<String, Long> fenced = new WriteBehindSink<>() {
      @Override
      public long appliedThrough(String id) {
        return source.appliedThrough(id);
      }

      @Override
      public void apply(Map<String, Long> merged, String id, long through) {
        if (crashed.get()) {
          throw new IllegalStateException("process is dead");
        }
        source.apply(merged, id, through);
      }
    };
    HotsetRedis first = HotsetRedis.builder().url(server.uri()).keyPrefix("wb").build();
    WriteBehind<String, Long> likes = open(first, fenced);
    for (int i = 0; i < 2_000; i++) {
      likes.write("post" + (i % 20), 1L);
      if (i == 999) {
        assertThat(likes.flush(Duration.ofSeconds(10))).isTrue();
        crashed.set(true);
      }
    }
    long appliedAtCrash = source.total();
    assertThat(appliedAtCrash).isEqualTo(1_000);
    assertThat((Long) server.command("XLEN", "wb:wb:{likes-node1}")).as("unapplied records in the stream").isPositive();
    first.close(); // the process is gone; its stream stays in Redis

    try (HotsetRedis second = HotsetRedis.builder().url(server.uri()).keyPrefix("wb").build();
        WriteBehind<String, Long> again = open(second, source)) {
      assertThat(again.flush(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(source.total()).as("every acknowledged increment exactly once").isEqualTo(2_000);
  }

  @Test
  void aJournalThatLostItsSequenceNeverReusesAppliedOnes(RedisServer server) throws Exception {
    server.flushAll();
    Source source = new Source();
    try (HotsetRedis r = HotsetRedis.builder().url(server.uri()).keyPrefix("wb").build()) {
      try (WriteBehind<String, Long> likes = open(r, source)) {
        for (int i = 0; i < 500; i++) {
          likes.write("p", 1L);
        }
      }
      assertThat(source.checkpoint).isEqualTo(500);
      server.flushAll(); // Redis lost its data (no persistence, restart, FLUSHALL...)
      try (WriteBehind<String, Long> likes = open(r, source)) {
        for (int i = 0; i < 300; i++) {
          likes.write("p", 1L);
        }
        assertThat(likes.flush(Duration.ofSeconds(10))).isTrue();
      }
      assertThat(source.total()).as("new writes after the loss are applied, not skipped as old").isEqualTo(800);
    }
  }
}
