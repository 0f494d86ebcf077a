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
  // Mixed versions in one fleet (a rolling upgrade): readers ignore fields a newer publisher adds,
  // and sourcePosition is left out when 0, so a reader from before it decodes every message that
  // does not need it. A message that cannot be decoded clears L1 (possibleLoss), never goes unheard.
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .addMixIn(Invalidation.class, PositionWhenKnown.class);

  /** Jackson mix-in: {@code sourcePosition} only when known. */
  private abstract static class PositionWhenKnown {
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
    abstract long sourcePosition();
  }

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
      message = encode(invalidation);
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
      message = encode(invalidation);
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
      inv = decode(message);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "undecodable invalidation message; clearing L1 as after a possible loss: "
          + e);
      possibleLoss();
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

  /** The message form of an invalidation on the channel (JSON). */
  static byte[] encode(Invalidation invalidation) throws java.io.IOException {
    return JSON.writeValueAsBytes(invalidation);
  }

  static Invalidation decode(byte[] message) throws java.io.IOException {
    return JSON.readValue(message, Invalidation.class);
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
