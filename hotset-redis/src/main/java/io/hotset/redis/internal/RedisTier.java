package io.hotset.redis.internal;

import io.hotset.spi.LeaseRead;
import io.hotset.spi.Tier;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The L2 tier on Redis: envelopes under {@code <prefix>{<region>:<key>}}, expiring with the
 * entry's hard deadline, with fill leases (see {@link Scripts}) and tag sets. Oversize values
 * are rejected by the engine before any call ({@link #maxValueBytes()}).
 */
public final class RedisTier implements Tier {
  private final GuardedRedis redis;
  private final String prefix;
  private final String fillsChannel;
  private final FillNotifications notifications;
  private final int maxValueBytes;

  RedisTier(GuardedRedis redis, String prefix, FillNotifications notifications, int maxValueBytes) {
    this.redis = redis;
    this.prefix = prefix;
    this.fillsChannel = prefix + "fills";
    this.notifications = notifications;
    this.maxValueBytes = maxValueBytes;
  }

  String dataKey(String key) {
    return prefix + "{" + key + "}";
  }

  private String[] keys(String key) {
    String data = dataKey(key);
    return new String[] {data, data + ":lease", data + ":w"};
  }

  /** {@link #keys} and the key's remembered source position. */
  private static String[] keysWithPosition(String dataKey) {
    return new String[] {dataKey, dataKey + ":lease", dataKey + ":w", dataKey + ":pos"};
  }

  private String tagKey(String region, String tag) {
    return prefix + "tag:{" + region + ":" + tag + "}";
  }

  @Override
  public String name() {
    return "l2";
  }

  @Override
  public int maxValueBytes() {
    return maxValueBytes;
  }

  @Override
  public CompletableFuture<byte[]> get(String key) {
    return redis.call(() -> redis.commands().get(dataKey(key)));
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getAll(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    List<String> order = new ArrayList<>(keys);
    String[] dataKeys = new String[order.size()];
    Map<String, String> back = new HashMap<>();
    for (int i = 0; i < dataKeys.length; i++) {
      dataKeys[i] = dataKey(order.get(i));
      back.put(dataKeys[i], order.get(i));
    }
    // one MGET standalone; Lettuce's cluster client splits it per slot and runs them concurrently
    return redis.<List<KeyValue<String, byte[]>>>call(() -> redis.commands().mget(dataKeys)).thenApply(list -> {
      Map<String, byte[]> out = new HashMap<>();
      for (KeyValue<String, byte[]> kv : list) {
        if (kv.hasValue()) {
          out.put(back.get(kv.getKey()), kv.getValue());
        }
      }
      return out;
    });
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl, Collection<String> tags) {
    String region = region(key);
    return addTags(region, dataKey(key), tags, ttl).thenCompose(x -> redis.<Long>eval(Scripts.PUT,
        ScriptOutputType.INTEGER, keys(key), value, GuardedRedis.bytes(Math.max(1, ttl.toMillis())),
        GuardedRedis.bytes(fillsChannel))).thenApply(x -> null);
  }

  @Override
  public CompletableFuture<Boolean> putIfNewer(String key, byte[] value, long version, Duration ttl,
      Collection<String> tags) {
    return addTags(region(key), dataKey(key), tags, ttl).thenCompose(x -> redis.<Long>eval(Scripts.PUT_IF_NEWER,
        ScriptOutputType.INTEGER, keys(key), value, GuardedRedis.bytes(Math.max(1, ttl.toMillis())),
        GuardedRedis.bytes(version), GuardedRedis.bytes(fillsChannel))).thenApply(stored -> stored == 1L);
  }

  @Override
  public CompletableFuture<Void> delete(Collection<String> keys) {
    return delete(keys, 0L, Duration.ZERO);
  }

  @Override
  public CompletableFuture<Void> delete(Collection<String> keys, long sourcePosition, Duration retention) {
    List<CompletableFuture<Long>> all = new ArrayList<>(keys.size());
    for (String key : keys) {
      all.add(deleteOne(dataKey(key), sourcePosition, retention));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Deletes one key and revokes its lease; with a position (> 0), also keeps it for the next lease. */
  private CompletableFuture<Long> deleteOne(String dataKey, long sourcePosition, Duration retention) {
    if (sourcePosition <= 0) {
      return redis.eval(Scripts.DELETE, ScriptOutputType.INTEGER,
          new String[] {dataKey, dataKey + ":lease", dataKey + ":w"}, GuardedRedis.bytes(fillsChannel));
    }
    return redis.eval(Scripts.DELETE_AT, ScriptOutputType.INTEGER, keysWithPosition(dataKey),
        GuardedRedis.bytes(fillsChannel), GuardedRedis.bytes(Long.toString(sourcePosition)),
        GuardedRedis.bytes(Math.max(1, retention.toMillis())));
  }

  @Override
  public CompletableFuture<Void> deleteTag(String region, String tag) {
    return deleteTag(region, tag, 0L, Duration.ZERO);
  }

  @Override
  public CompletableFuture<Void> deleteTag(String region, String tag, long sourcePosition, Duration retention) {
    String tagKey = tagKey(region, tag);
    return redis.<java.util.Set<byte[]>>call(() -> redis.commands().smembers(tagKey)).thenCompose(members -> {
      List<CompletableFuture<Long>> all = new ArrayList<>(members.size() + 1);
      for (byte[] m : members) {
        String dataKey = new String(m, java.nio.charset.StandardCharsets.UTF_8);
        all.add(deleteOne(dataKey, sourcePosition, retention));
      }
      if (!members.isEmpty()) {
        // SREM what was read, not DEL: keys added since stay findable by the next invalidation
        byte[][] read = members.toArray(new byte[0][]);
        all.add(redis.call(() -> redis.commands().srem(tagKey, read)));
      }
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    });
  }

  @Override
  public boolean supportsLeases() {
    return true;
  }

  @Override
  public CompletableFuture<LeaseRead> readOrLease(String key, long nowMillis, Duration leaseTtl, boolean ignoreValue) {
    String[] k = keysWithPosition(dataKey(key));
    long token = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    CompletableFuture<Void> signal = notifications.register(k[0]);
    return redis.<List<Object>>eval(Scripts.READ_OR_LEASE, ScriptOutputType.MULTI, k,
        GuardedRedis.bytes(token), GuardedRedis.bytes(Math.max(1, leaseTtl.toMillis())),
        GuardedRedis.bytes(nowMillis), GuardedRedis.bytes(ignoreValue ? "1" : "0"))
        .handle((reply, error) -> {
          if (error != null) {
            notifications.unregister(k[0], signal);
            throw error instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(error);
          }
          long code = (Long) reply.get(0);
          byte[] value = reply.size() > 1 ? (byte[]) reply.get(1) : null;
          if (code == 1) {
            notifications.unregister(k[0], signal);
            return new LeaseRead(LeaseRead.Outcome.FRESH, value, 0, null);
          }
          if (code == 2) {
            notifications.unregister(k[0], signal);
            return new LeaseRead(LeaseRead.Outcome.GRANTED, value, token, null, position(reply));
          }
          return new LeaseRead(LeaseRead.Outcome.HELD, value, 0, signal);
        });
  }

  @Override
  public CompletableFuture<Boolean> fillWithLease(String key, long token, byte[] value, Duration ttl,
      Collection<String> tags) {
    String region = region(key);
    // tags first: a tag invalidation after the fill must find the key in the set
    return addTags(region, dataKey(key), tags, ttl)
        .exceptionallyCompose(error -> releaseLease(key, token)
            .handle((x, e) -> null).thenCompose(x -> CompletableFuture.failedFuture(error)))
        .thenCompose(x -> redis.<Long>eval(Scripts.FILL,
            ScriptOutputType.INTEGER, keys(key), GuardedRedis.bytes(token), value,
            GuardedRedis.bytes(Math.max(1, ttl.toMillis())), GuardedRedis.bytes(fillsChannel)))
        .thenApply(stored -> stored == 1L);
  }

  @Override
  public CompletableFuture<Void> releaseLease(String key, long token) {
    return redis.<Long>eval(Scripts.RELEASE, ScriptOutputType.INTEGER, keys(key), GuardedRedis.bytes(token),
        GuardedRedis.bytes(fillsChannel)).thenApply(x -> null);
  }

  /** The remembered source position in a granted lease's reply; 0 when none (or unreadable: the local one still applies). */
  private static long position(List<Object> reply) {
    if (reply.size() > 2 && reply.get(2) instanceof byte[] b) {
      try {
        return Long.parseLong(new String(b, java.nio.charset.StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        return 0L;
      }
    }
    return 0L;
  }

  private CompletableFuture<Void> addTags(String region, String dataKey, Collection<String> tags, Duration ttl) {
    if (tags.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<?>> all = new ArrayList<>();
    byte[] member = GuardedRedis.bytes(dataKey);
    for (String tag : tags) {
      String tagKey = tagKey(region, tag);
      all.add(redis.call(() -> redis.commands().sadd(tagKey, member)));
      // a tag set lives at least as long as its longest member (GT: never shorten it)
      all.add(redis.call(() -> redis.commands().pexpire(tagKey, Math.max(1, ttl.toMillis()) + 1_000,
          io.lettuce.core.ExpireArgs.Builder.gt())));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenCompose(x -> {
      // PEXPIRE GT does nothing on a set without expiry (a new set): give it one
      List<CompletableFuture<?>> ttls = new ArrayList<>();
      for (String tag : tags) {
        String tagKey = tagKey(region, tag);
        ttls.add(redis.call(() -> redis.commands().pexpire(tagKey, Math.max(1, ttl.toMillis()) + 1_000,
            io.lettuce.core.ExpireArgs.Builder.nx())));
      }
      return CompletableFuture.allOf(ttls.toArray(CompletableFuture[]::new));
    });
  }

  private static String region(String key) {
    int colon = key.indexOf(':');
    return colon < 0 ? key : key.substring(0, colon);
  }

}
