package io.hotset.spi;

import java.util.function.Consumer;

/**
 * Carries invalidations between processes so each can drop them from its L1. Delivery is
 * at-most-once (as with Redis pub/sub); a transport that may have lost messages tells its
 * subscribers through {@link Listener#onPossibleLoss()} so they can clear their L1.
 */
public interface InvalidationTransport extends AutoCloseable {

  /** Publishes to every subscriber, including those in this process. Must not block for long. */
  void publish(Invalidation invalidation);

  /**
   * Publishes and completes once the transport has accepted the message (for Redis: the
   * server answered the PUBLISH), or completes exceptionally. Delivery stays at-most-once; this
   * only tells a caller that must retry (change data capture) that sending failed.
   */
  default java.util.concurrent.CompletableFuture<Void> publishConfirmed(Invalidation invalidation) {
    publish(invalidation);
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** Registers a listener; closing the returned handle unsubscribes. */
  AutoCloseable subscribe(Listener listener);

  @Override
  default void close() {}

  /** Receives invalidations. Called on the transport's thread; must be quick and not throw. */
  interface Listener extends Consumer<Invalidation> {
    /** Messages may have been lost (e.g. after a reconnect): clear or revalidate L1. */
    default void onPossibleLoss() {}
  }
}
