package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.spi.LeaseRead;
import io.hotset.spi.Tier;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Lua lease protocol against a real redis-server. */
@WithRedis
class LeaseProtocolIT {
  private HotsetRedis a;
  private HotsetRedis b;

  @BeforeEach
  void connect(RedisServer redis) {
    redis.flushAll();
    a = HotsetRedis.builder().url(redis.uri()).keyPrefix("t").build();
    b = HotsetRedis.builder().url(redis.uri()).keyPrefix("t").build();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  /** A minimal envelope header whose freshUntil is the given wall-clock millis. */
  static byte[] envelope(long freshUntil) {
    ByteBuffer buf = ByteBuffer.allocate(64);
    buf.put((byte) 'h').put((byte) 1).put((byte) 0).putLong(7).putLong(1).putLong(0).putLong(freshUntil);
    return buf.array();
  }

  private static LeaseRead lease(Tier t, String key, long now) throws Exception {
    return t.readOrLease(key, now, Duration.ofSeconds(2), false).get(5, TimeUnit.SECONDS);
  }

  @Test
  void oneHolderAtATimeFillWakesWaitersAndFreshReadsNeedNoLease() throws Exception {
    long now = System.currentTimeMillis();
    LeaseRead first = lease(a.tier(), "r:1", now);
    assertThat(first.outcome()).isEqualTo(LeaseRead.Outcome.GRANTED);
    LeaseRead second = lease(b.tier(), "r:1", now);
    assertThat(second.outcome()).isEqualTo(LeaseRead.Outcome.HELD);
    assertThat(second.filled()).isNotDone();
    assertThat(a.tier().fillWithLease("r:1", first.token(), envelope(now + 60_000), Duration.ofSeconds(60), List.of())
        .get(5, TimeUnit.SECONDS)).isTrue();
    second.filled().get(5, TimeUnit.SECONDS); // woken by the fill notification, no polling
    LeaseRead third = lease(b.tier(), "r:1", now);
    assertThat(third.outcome()).isEqualTo(LeaseRead.Outcome.FRESH);
    assertThat(third.value()).isEqualTo(envelope(now + 60_000));
  }

  @Test
  void aStaleValueNeedsALeaseAndComesWithIt() throws Exception {
    long now = System.currentTimeMillis();
    LeaseRead l = lease(a.tier(), "r:2", now);
    a.tier().fillWithLease("r:2", l.token(), envelope(now - 1), Duration.ofSeconds(60), List.of()).get(5, TimeUnit.SECONDS);
    LeaseRead again = lease(b.tier(), "r:2", now);
    assertThat(again.outcome()).isEqualTo(LeaseRead.Outcome.GRANTED);
    assertThat(again.value()).as("the stale bytes come along").isEqualTo(envelope(now - 1));
  }

  @Test
  void anInvalidationRevokesTheLeaseSoTheFillFails() throws Exception {
    long now = System.currentTimeMillis();
    LeaseRead l = lease(a.tier(), "r:3", now);
    LeaseRead waiting = lease(b.tier(), "r:3", now);
    b.tier().delete(List.of("r:3")).get(5, TimeUnit.SECONDS);
    waiting.filled().get(5, TimeUnit.SECONDS); // revocation wakes waiters too
    assertThat(a.tier().fillWithLease("r:3", l.token(), envelope(now + 60_000), Duration.ofSeconds(60), List.of())
        .get(5, TimeUnit.SECONDS)).isFalse();
    assertThat(a.tier().get("r:3").get(5, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void anExpiredLeaseIsTakenOverByOneOtherCaller() throws Exception {
    long now = System.currentTimeMillis();
    LeaseRead dead = a.tier().readOrLease("r:4", now, Duration.ofMillis(300), false).get(5, TimeUnit.SECONDS);
    assertThat(dead.outcome()).isEqualTo(LeaseRead.Outcome.GRANTED);
    assertThat(lease(b.tier(), "r:4", now).outcome()).isEqualTo(LeaseRead.Outcome.HELD);
    Thread.sleep(400);
    assertThat(lease(b.tier(), "r:4", now).outcome()).isEqualTo(LeaseRead.Outcome.GRANTED);
    assertThat(lease(a.tier(), "r:4", now).outcome()).isEqualTo(LeaseRead.Outcome.HELD);
    assertThat(a.tier().fillWithLease("r:4", dead.token(), envelope(now + 1), Duration.ofSeconds(5), List.of())
        .get(5, TimeUnit.SECONDS)).as("the dead holder's token no longer fills").isFalse();
  }

  @Test
  void tagDeletionRemovesEveryMember() throws Exception {
    long now = System.currentTimeMillis();
    for (String k : new String[] {"r:5", "r:6"}) {
      LeaseRead l = lease(a.tier(), k, now);
      a.tier().fillWithLease(k, l.token(), envelope(now + 60_000), Duration.ofSeconds(60), List.of("cat:1"))
          .get(5, TimeUnit.SECONDS);
    }
    a.tier().deleteTag("r", "cat:1").get(5, TimeUnit.SECONDS);
    assertThat(a.tier().get("r:5").get(5, TimeUnit.SECONDS)).isNull();
    assertThat(a.tier().get("r:6").get(5, TimeUnit.SECONDS)).isNull();
  }
}
