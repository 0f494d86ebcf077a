package io.hotset.redis.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The waiters of this process for keys whose lease another process holds, woken by messages
 * on the fills channel. A waiter registers before it asks Redis, so a fill that happens in
 * between is not missed.
 */
final class FillNotifications {
  private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

  CompletableFuture<Void> register(String dataKey) {
    return waiting.computeIfAbsent(dataKey, k -> new CompletableFuture<>());
  }

  void unregister(String dataKey, CompletableFuture<Void> signal) {
    waiting.remove(dataKey, signal);
  }

  void signal(String dataKey) {
    CompletableFuture<Void> f = waiting.remove(dataKey);
    if (f != null) {
      f.complete(null);
    }
  }

  /** Wakes everyone (after a reconnect, notifications may have been lost). */
  void signalAll() {
    for (String key : waiting.keySet()) {
      signal(key);
    }
  }

  int size() {
    return waiting.size();
  }
}
