package io.hotset.redis.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.spi.Invalidation;
import io.hotset.spi.InvalidationTransport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Invalidations over Redis pub/sub (at-most-once). A subscriber that lost its connection may
 * have missed messages, so every disconnect and reconnect of the subscription is reported to
 * listeners as a possible loss (they clear their L1).
 *
 * <p>Why pub/sub and not RESP3 client tracking: tracking invalidates on any write to a key the
 * client read, which hotset already turns into explicit invalidations, but it cannot carry tags,
 * the change's timestamp (for lag) or CDC-originated events for keys no client read; and in
 * Cluster it needs a tracking connection per node. One channel carries all of that.
 */
final class RedisInvalidationTransport implements InvalidationTransport {
  private static final System.Logger LOG = System.getLogger(RedisInvalidationTransport.class.getName());
  // tolerant of fields a newer publisher adds (as sourcePosition was), so mixed versions still invalidate
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final GuardedRedis redis;
  private final String channel;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  RedisInvalidationTransport(GuardedRedis redis, String channel) {
    this.redis = redis;
    this.channel = channel;
  }

  String channel() {
    return channel;
  }

  @Override
  public void publish(Invalidation invalidation) {
    byte[] message;
    try {
      message = JSON.writeValueAsBytes(invalidation);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot encode invalidation " + invalidation, e);
    }
    redis.call(() -> redis.commands().publish(channel, message)).whenComplete((n, error) -> {
      if (error != null) {
        LOG.log(System.Logger.Level.WARNING, "publishing an invalidation failed; other processes "
            + "will clear their L1 when they reconnect: " + error);
      }
    });
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> publishConfirmed(Invalidation invalidation) {
    byte[] message;
    try {
      message = JSON.writeValueAsBytes(invalidation);
    } catch (Exception e) {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new IllegalArgumentException("cannot encode invalidation " + invalidation, e));
    }
    return redis.call(() -> redis.commands().publish(channel, message)).toCompletableFuture().thenApply(n -> null);
  }

  /** A message arrived on the channel (including this process's own: each Hotset skips its own origin). */
  void onMessage(byte[] message) {
    Invalidation inv;
    try {
      inv = JSON.readValue(message, Invalidation.class);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "dropping an undecodable invalidation message: " + e);
      return;
    }
    deliver(inv);
  }

  private void deliver(Invalidation inv) {
    for (Listener l : listeners) {
      try {
        l.accept(inv);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "invalidation listener failed", e);
      }
    }
  }

  void possibleLoss() {
    for (Listener l : listeners) {
      try {
        l.onPossibleLoss();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "invalidation listener failed", e);
      }
    }
  }

  @Override
  public AutoCloseable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
