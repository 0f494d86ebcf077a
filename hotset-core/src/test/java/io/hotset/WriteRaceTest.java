package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seed 000's two-writer race (writer A 5, writer B 7, cache ends at 5), forced with latches:
 * both writers commit to the source, then their cache updates are released in a chosen order.
 * After both writes every tier agrees with the source.
 */
class WriteRaceTest {
  record Price(long cents, long version) {}

  /** The source of truth: a row with a version column, updated atomically. */
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

  @ParameterizedTest(name = "{0}, cache update of the {1} write arrives last, L2: {2}")
  @CsvSource({"INVALIDATE, older, true", "INVALIDATE, newer, true", "WRITE_THROUGH, older, true",
      "WRITE_THROUGH, newer, true", "INVALIDATE, older, false", "INVALIDATE, newer, false",
      "WRITE_THROUGH, older, false", "WRITE_THROUGH, newer, false"})
  void afterBothWritesEveryTierAgreesWithTheSource(WritePolicy policy, String last, boolean withL2) throws Exception {
    Table table = new Table();
    InMemoryTier l2 = new InMemoryTier();
    LocalInvalidationBus bus = new LocalInvalidationBus();
    CountDownLatch aCommitted = new CountDownLatch(1);
    CountDownLatch bCommitted = new CountDownLatch(1);
    CountDownLatch releaseA = new CountDownLatch(1);
    CountDownLatch releaseB = new CountDownLatch(1);
    try (Hotset a = hotset(withL2 ? l2 : null, bus); Hotset b = hotset(withL2 ? l2 : null, bus)) {
      Region<String, Price> ra = a.region(spec(table, policy, aCommitted, releaseA));
      Region<String, Price> rb = b.region(spec(table, policy, bCommitted, releaseB));
      assertThat(ra.get("p").cents()).isEqualTo(300); // every tier holds the old row
      assertThat(rb.get("p").cents()).isEqualTo(300);

      CompletableFuture<Price> writeA = CompletableFuture.supplyAsync(() -> ra.write("p", new Price(500, 0)));
      assertThat(aCommitted.await(10, TimeUnit.SECONDS)).isTrue(); // A's 5 is in the source
      CompletableFuture<Price> writeB = CompletableFuture.supplyAsync(() -> rb.write("p", new Price(700, 0)));
      assertThat(bCommitted.await(10, TimeUnit.SECONDS)).isTrue(); // then B's 7
      if (last.equals("older")) {
        releaseB.countDown();
        writeB.get(10, TimeUnit.SECONDS);
        releaseA.countDown(); // A's cache update (of the older 5) comes last: the classic race
        writeA.get(10, TimeUnit.SECONDS);
      } else {
        releaseA.countDown();
        writeA.get(10, TimeUnit.SECONDS);
        releaseB.countDown();
        writeB.get(10, TimeUnit.SECONDS);
      }
      Price truth = table.read();
      assertThat(truth.cents()).isEqualTo(700);
      byte[] shared = l2.data.get("price:p");
      if (shared != null) {
        assertThat(ByteBuffer.wrap(shared, 3, 8).getLong()).as("L2 version").isEqualTo(truth.version());
      }
      for (Region<String, Price> r : java.util.List.of(ra, rb)) {
        Price cached = r.getIfPresent("p");
        assertThat(cached == null || cached.equals(truth)).as("L1 holds nothing or the truth: %s", cached).isTrue();
        assertThat(r.get("p")).isEqualTo(truth);
      }
    }
  }

  private static Hotset hotset(InMemoryTier l2, LocalInvalidationBus bus) {
    Hotset.Builder builder = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).invalidationTransport(bus);
    return (l2 == null ? builder : builder.l2(l2)).build();
  }

  private static RegionSpec<String, Price> spec(Table table, WritePolicy policy, CountDownLatch committed,
      CountDownLatch release) {
    return RegionSpec.builder("price", String.class, Price.class)
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
