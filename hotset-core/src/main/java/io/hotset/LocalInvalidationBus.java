package io.hotset;

import io.hotset.spi.Invalidation;
import io.hotset.spi.InvalidationTransport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process {@link InvalidationTransport}: delivers each invalidation synchronously to
 * every subscriber in this JVM. Share one bus between several {@link Hotset} instances to
 * model several processes in a test, or use it alone when a service runs without Redis.
 */
public final class LocalInvalidationBus implements InvalidationTransport {
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public void publish(Invalidation invalidation) {
    for (Listener listener : listeners) {
      try {
        listener.accept(invalidation);
      } catch (RuntimeException e) {
        System.getLogger(LocalInvalidationBus.class.getName())
            .log(System.Logger.Level.WARNING, "invalidation listener failed", e);
      }
    }
  }

  @Override
  public AutoCloseable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
