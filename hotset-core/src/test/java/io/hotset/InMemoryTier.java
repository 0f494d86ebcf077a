package io.hotset;

import io.hotset.spi.Tier;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A byte tier in a map, standing in for L2 in engine unit tests (hotset-redis tests the real one). */
class InMemoryTierBase implements Tier {
  final ConcurrentHashMap<String, byte[]> data = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, Set<String>> tags = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "l2";
  }

  @Override
  public CompletableFuture<byte[]> get(String key) {
    return CompletableFuture.completedFuture(data.get(key));
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getAll(Collection<String> keys) {
    Map<String, byte[]> out = new HashMap<>();
    for (String k : keys) {
      byte[] v = data.get(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tagList) {
    data.put(key, value);
    for (String t : tagList) {
      tags.computeIfAbsent(t, x -> ConcurrentHashMap.newKeySet()).add(key);
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<Boolean> putIfNewer(String key, byte[] value, long version, Duration ttl,
      Collection<String> tagList) {
    byte[] current = data.get(key);
    if (current != null && java.nio.ByteBuffer.wrap(current, 3, 8).getLong() >= version) {
      return CompletableFuture.completedFuture(false);
    }
    put(key, value, ttl, tagList);
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletableFuture<Void> delete(Collection<String> keys) {
    keys.forEach(data::remove);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> deleteTag(String region, String tag) {
    Set<String> keys = tags.remove(tag);
    if (keys != null) {
      keys.forEach(data::remove);
    }
    return CompletableFuture.completedFuture(null);
  }
}

/** A byte tier in a map, standing in for L2 in engine unit tests (hotset-redis tests the real one). */
final class InMemoryTier extends InMemoryTierBase {}
