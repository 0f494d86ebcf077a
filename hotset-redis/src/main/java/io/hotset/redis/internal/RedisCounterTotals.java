package io.hotset.redis.internal;

import io.hotset.spi.CounterTotals;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counter running totals in Redis: {@code <prefix>ctr:<name>:<key>} holds the total as an
 * integer string, without TTL (see {@code HotsetRedis.counterTotals}). One round trip for a key
 * that has a total; a key without one costs a source read (the seed, in this process, outside
 * Redis) and a second script that stores it with SET NX and adds the delta, atomically: of
 * several processes seeding one key at once, the first seed stands and each adds only its delta.
 * Scripts reply with GET rather than INCRBY's result, which Lua would carry as a double.
 */
final class RedisCounterTotals implements CounterTotals {
  /** KEYS: total. ARGV: delta. Returns the new total, or nil if there is none. */
  static final Scripts.Script INCREMENT_IF_PRESENT = new Scripts.Script("""
      if redis.call('EXISTS', KEYS[1]) == 0 then return false end
      redis.call('INCRBY', KEYS[1], ARGV[1])
      return redis.call('GET', KEYS[1])
      """);
  /** KEYS: total. ARGV: seed, delta. Stores the seed unless a total exists, adds the delta, returns the total. */
  static final Scripts.Script SEED_AND_INCREMENT = new Scripts.Script("""
      redis.call('SET', KEYS[1], ARGV[1], 'NX')
      redis.call('INCRBY', KEYS[1], ARGV[2])
      return redis.call('GET', KEYS[1])
      """);
  private static final long TIMEOUT_SECONDS = 2;

  private final GuardedRedis redis;
  private final String prefix;

  RedisCounterTotals(GuardedRedis redis, String prefix, String name) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("counter totals name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
    }
    this.redis = redis;
    this.prefix = prefix + "ctr:" + name + ":";
  }

  String key(String counterKey) {
    return prefix + counterKey;
  }

  @Override
  public long incrementBy(String counterKey, long delta, LongSupplier seed) throws Exception {
    String[] keys = {key(counterKey)};
    byte[] total = GuardedRedis.await(redis.<byte[]>eval(INCREMENT_IF_PRESENT, ScriptOutputType.VALUE, keys,
        GuardedRedis.bytes(delta)), TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (total == null) {
      long initial = seed.getAsLong();
      total = GuardedRedis.await(redis.<byte[]>eval(SEED_AND_INCREMENT, ScriptOutputType.VALUE, keys,
          GuardedRedis.bytes(initial), GuardedRedis.bytes(delta)), TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    return parse(total);
  }

  @Override
  public OptionalLong get(String counterKey) throws Exception {
    byte[] total = GuardedRedis.await(redis.call(() -> redis.commands().get(key(counterKey))), TIMEOUT_SECONDS,
        TimeUnit.SECONDS);
    return total == null ? OptionalLong.empty() : OptionalLong.of(parse(total));
  }

  private static long parse(byte[] total) {
    return Long.parseLong(new String(total, StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "Redis counter totals " + prefix + "*";
  }
}
