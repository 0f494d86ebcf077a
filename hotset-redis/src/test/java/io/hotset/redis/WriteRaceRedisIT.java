package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.WritePolicy;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 4 acceptance 1 on real Redis: the two-writer race, forced in both orders, both policies. */
@WithRedis
class WriteRaceRedisIT {
  record Price(long cents, long version) {}

  static final class Table {
    private Price row = new Price(300, 0);

    synchronized Price update(long cents) {
      row = new Price(cents, row.version() + 1);
      return row;
    }

    synchronized Price read() {
      return row;
    }
  }

  @ParameterizedTest(name = "{0}, cache update of the {1} write arrives last")
  @CsvSource({"INVALIDATE, older", "INVALIDATE, newer", "WRITE_THROUGH, older", "WRITE_THROUGH, newer"})
  void afterBothWritesEveryTierAgreesWithTheSource(WritePolicy policy, String last, RedisServer redis) throws Exception {
    redis.flushAll();
    Table table = new Table();
    CountDownLatch aCommitted = new CountDownLatch(1);
    CountDownLatch bCommitted = new CountDownLatch(1);
    CountDownLatch releaseA = new CountDownLatch(1);
    CountDownLatch releaseB = new CountDownLatch(1);
    try (Fleet fleet = new Fleet(redis.uri(), 2)) {
      Region<String, Price> ra = fleet.get(0).region(spec(table, policy, aCommitted, releaseA));
      Region<String, Price> rb = fleet.get(1).region(spec(table, policy, bCommitted, releaseB));
      assertThat(ra.get("p").cents()).isEqualTo(300);
      assertThat(rb.get("p").cents()).isEqualTo(300);
      CompletableFuture<Price> writeA = CompletableFuture.supplyAsync(() -> ra.write("p", new Price(500, 0)));
      assertThat(aCommitted.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Price> writeB = CompletableFuture.supplyAsync(() -> rb.write("p", new Price(700, 0)));
      assertThat(bCommitted.await(10, TimeUnit.SECONDS)).isTrue();
      CountDownLatch first = last.equals("older") ? releaseB : releaseA;
      CountDownLatch second = last.equals("older") ? releaseA : releaseB;
      CompletableFuture<Price> firstWrite = last.equals("older") ? writeB : writeA;
      CompletableFuture<Price> secondWrite = last.equals("older") ? writeA : writeB;
      first.countDown();
      firstWrite.get(10, TimeUnit.SECONDS);
      second.countDown();
      secondWrite.get(10, TimeUnit.SECONDS);
      Price truth = table.read();
      assertThat(truth.cents()).isEqualTo(700);
      Object shared = redis.command("GET", "test:{wprice:p}");
      if (shared != null) {
        byte[] bytes = ((String) shared).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(ByteBuffer.wrap(bytes, 3, 8).getLong()).as("L2 version").isEqualTo(truth.version());
      }
      Thread.sleep(100); // let the broadcasts land
      for (Region<String, Price> r : List.of(ra, rb)) {
        Price cached = r.getIfPresent("p");
        assertThat(cached == null || cached.equals(truth)).as("L1 holds nothing or the truth: %s", cached).isTrue();
        assertThat(r.get("p")).isEqualTo(truth);
      }
    }
  }

  private static RegionSpec<String, Price> spec(Table table, WritePolicy policy, CountDownLatch committed,
      CountDownLatch release) {
    return RegionSpec.builder("wprice", String.class, Price.class)
        .ttl(Duration.ofMinutes(10)).version(Price::version).writePolicy(policy)
        .loader(k -> table.read())
        .writer((k, v) -> {
          Price stored = table.update(v.cents());
          committed.countDown();
          if (!release.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("latch timed out");
          }
          return stored;
        }).build();
  }
}
