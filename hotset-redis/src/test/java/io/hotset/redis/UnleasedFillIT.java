package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.spi.Invalidation;
import io.hotset.spi.InvalidationTransport;
import io.hotset.spi.LeaseRead;
import io.hotset.spi.Tier;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * No stale set when the lease read fails (Redis slow or briefly unreachable): process B loads
 * without a lease and reads the old value; process A's invalidation deletes the key in L2 and
 * broadcasts, but the broadcast reaches B only after B's load finished. B may keep the old value
 * in its own L1 until the broadcast arrives, but must not write it to L2, where A (already past
 * its invalidation) would pick it up until the TTL (DefaultRegion.writeL2 refuses unleased
 * writes to a leasing tier; this pins that down end to end).
 */
@WithRedis
class UnleasedFillIT {

  @Test
  void aLoadWithoutALeaseNeverWritesL2(RedisServer redis) throws Exception {
    redis.flushAll();
    AtomicReference<String> source = new AtomicReference<>("5");
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    try (HotsetRedis ra = HotsetRedis.builder().url(redis.uri()).keyPrefix("test").build();
         HotsetRedis rb = HotsetRedis.builder().url(redis.uri()).keyPrefix("test").build()) {
      FailingLeaseTier tierB = new FailingLeaseTier(rb.tier());
      HeldTransport busB = new HeldTransport(rb.invalidations());
      try (Hotset a = Hotset.builder().l2(ra.tier()).invalidationTransport(ra.invalidations()).instanceId("a").build();
           Hotset b = Hotset.builder().l2(tierB).invalidationTransport(busB).instanceId("b").build()) {
        Region<String, String> ra1 = a.region(RegionSpec.builder("price", String.class, String.class)
            .ttl(Duration.ofMinutes(10)).loader(id -> source.get()).build());
        Region<String, String> rb1 = b.region(RegionSpec.builder("price", String.class, String.class)
            .ttl(Duration.ofMinutes(10)).loader(id -> {
              String read = source.get();
              loaded.countDown();
              if (!proceed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch timed out");
              }
              return read;
            }).build());

        tierB.failLeaseReads.set(true);
        CompletableFuture<String> bRead = CompletableFuture.supplyAsync(() -> rb1.get("42"));
        assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue(); // B read "5" without a lease
        source.set("7");
        busB.hold.set(true);
        ra1.invalidate("42"); // deletes in L2 and broadcasts; B will hear of it late
        proceed.countDown();
        assertThat(bRead.get(10, TimeUnit.SECONDS)).isEqualTo("5"); // valid when read
        busB.release();

        assertThat(redis.command("EXISTS", "test:{price:42}")).as("L2 holds no value loaded without a lease")
            .isEqualTo(0L);
        assertThat(ra1.get("42")).as("A reads the new value").isEqualTo("7");
        tierB.failLeaseReads.set(false);
        assertThat(rb1.getIfPresent("42")).as("B's L1 dropped the old value when the broadcast came").isNull();
      }
    }
  }

  /** B's tier: the lease read times out while failLeaseReads is set; the rest is real Redis. */
  static final class FailingLeaseTier implements Tier {
    final Tier delegate;
    final AtomicBoolean failLeaseReads = new AtomicBoolean();

    FailingLeaseTier(Tier delegate) {
      this.delegate = delegate;
    }

    @Override public String name() { return delegate.name(); }
    @Override public CompletableFuture<byte[]> get(String key) { return delegate.get(key); }
    @Override public CompletableFuture<Map<String, byte[]>> getAll(Collection<String> keys) { return delegate.getAll(keys); }
    @Override public CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tags) {
      return delegate.put(key, value, ttl, tags);
    }
    @Override public CompletableFuture<Boolean> putIfNewer(String key, byte[] value, long version, Duration ttl,
        Collection<String> tags) {
      return delegate.putIfNewer(key, value, version, ttl, tags);
    }
    @Override public CompletableFuture<Void> delete(Collection<String> keys) { return delegate.delete(keys); }
    @Override public CompletableFuture<Void> deleteTag(String region, String tag) { return delegate.deleteTag(region, tag); }
    @Override public int maxValueBytes() { return delegate.maxValueBytes(); }
    @Override public boolean supportsLeases() { return delegate.supportsLeases(); }
    @Override public CompletableFuture<LeaseRead> readOrLease(String key, long nowMillis, Duration leaseTtl,
        boolean ignoreValue) {
      if (failLeaseReads.get()) {
        return CompletableFuture.failedFuture(new TimeoutException("lease read timed out (test)"));
      }
      return delegate.readOrLease(key, nowMillis, leaseTtl, ignoreValue);
    }
    @Override public CompletableFuture<Boolean> fillWithLease(String key, long token, byte[] value, Duration ttl,
        Collection<String> tags) {
      return delegate.fillWithLease(key, token, value, ttl, tags);
    }
    @Override public CompletableFuture<Void> releaseLease(String key, long token) {
      return delegate.releaseLease(key, token);
    }
  }

  /** B's bus: holds incoming invalidations while {@code hold} is set, as a slow network would. */
  static final class HeldTransport implements InvalidationTransport {
    final InvalidationTransport delegate;
    final AtomicBoolean hold = new AtomicBoolean();
    final List<Runnable> held = new ArrayList<>();

    HeldTransport(InvalidationTransport delegate) {
      this.delegate = delegate;
    }

    @Override public void publish(Invalidation invalidation) { delegate.publish(invalidation); }

    @Override
    public AutoCloseable subscribe(Listener listener) {
      return delegate.subscribe(new Listener() {
        @Override
        public void accept(Invalidation inv) {
          synchronized (held) {
            if (hold.get()) {
              held.add(() -> listener.accept(inv));
              return;
            }
          }
          listener.accept(inv);
        }

        @Override
        public void onPossibleLoss() {
          listener.onPossibleLoss();
        }
      });
    }

    void release() throws InterruptedException {
      Thread.sleep(200); // let A's broadcast arrive (and be held)
      List<Runnable> toRun;
      synchronized (held) {
        hold.set(false);
        toRun = new ArrayList<>(held);
        held.clear();
      }
      toRun.forEach(Runnable::run);
    }
  }
}
