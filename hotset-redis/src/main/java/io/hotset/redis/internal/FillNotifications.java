package io.hotset.redis.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The waiters of this process for keys whose lease another process holds, woken by messages
 * on the fills channel. A waiter registers before it asks Redis, so a fill that happens in
 * between is not missed. Each waiter has its own future: one caller unregistering (its read
 * came back fresh or granted) never removes the future another caller is blocked on.
 */
final class FillNotifications {
  private final ConcurrentHashMap<String, Set<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

  CompletableFuture<Void> register(String dataKey) {
    CompletableFuture<Void> signal = new CompletableFuture<>();
    waiting.compute(dataKey, (k, set) -> {
      Set<CompletableFuture<Void>> s = set != null ? set : ConcurrentHashMap.newKeySet();
      s.add(signal);
      return s;
    });
    return signal;
  }

  void unregister(String dataKey, CompletableFuture<Void> signal) {
    waiting.computeIfPresent(dataKey, (k, set) -> {
      set.remove(signal);
      return set.isEmpty() ? null : set;
    });
  }

  void signal(String dataKey) {
    Set<CompletableFuture<Void>> set = waiting.remove(dataKey);
    if (set != null) {
      set.forEach(f -> f.complete(null));
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
