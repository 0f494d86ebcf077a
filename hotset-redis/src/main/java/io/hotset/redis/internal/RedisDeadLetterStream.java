package io.hotset.redis.internal;

import io.hotset.HotsetException;
import io.hotset.redis.DeadLetterStream;
import io.hotset.spi.DeadLetter;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Dead letters in a Redis Stream {@code <prefix>dlq:<name>}; see {@link DeadLetterStream}. */
final class RedisDeadLetterStream implements DeadLetterStream {
  private static final long TIMEOUT_SECONDS = 2;

  private final GuardedRedis redis;
  private final String key;
  private final long maxLength;

  RedisDeadLetterStream(GuardedRedis redis, String prefix, String name, long maxLength) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("dead-letter stream name must match [A-Za-z0-9._-]{1,64}, was '"
          + name + "'");
    }
    if (maxLength < 1) {
      throw new IllegalArgumentException("dead-letter stream '" + name + "': maxLength must be >= 1, was "
          + maxLength);
    }
    this.redis = redis;
    this.key = prefix + "dlq:" + name;
    this.maxLength = maxLength;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public void deadLetter(DeadLetter letter) throws Exception {
    Map<String, byte[]> body = new LinkedHashMap<>();
    body.put("name", GuardedRedis.bytes(letter.name()));
    body.put("journal", GuardedRedis.bytes(letter.journalId()));
    body.put("seq", GuardedRedis.bytes(letter.sequence()));
    body.put("key", GuardedRedis.bytes(letter.key()));
    body.put("value", letter.value());
    body.put("text", GuardedRedis.bytes(letter.valueText()));
    body.put("reason", GuardedRedis.bytes(letter.reason()));
    body.put("at", GuardedRedis.bytes(letter.at().toString()));
    XAddArgs args = new XAddArgs().maxlen(maxLength).approximateTrimming();
    GuardedRedis.await(redis.call(() -> redis.commands().xadd(key, args, body)), TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public List<DeadLetter> read(int max) {
    if (max < 1) {
      throw new IllegalArgumentException(this + ": max must be >= 1, was " + max);
    }
    List<StreamMessage<String, byte[]>> entries;
    try {
      entries = GuardedRedis.await(redis.call(() -> redis.commands().xrange(key, Range.unbounded(),
          Limit.create(0, max))), TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new HotsetException(this + ": cannot read: " + e, e);
    }
    List<DeadLetter> out = new ArrayList<>(entries.size());
    for (StreamMessage<String, byte[]> m : entries) {
      Map<String, byte[]> f = m.getBody();
      try {
        out.add(new DeadLetter(text(f, "name"), text(f, "journal"), Long.parseLong(text(f, "seq")), text(f, "key"),
            f.getOrDefault("value", new byte[0]), text(f, "text"), text(f, "reason"), Instant.parse(text(f, "at"))));
      } catch (RuntimeException e) {
        throw new HotsetException(this + ": entry " + m.getId() + " is not a dead letter: " + e, e);
      }
    }
    return out;
  }

  @Override
  public long size() {
    try {
      return GuardedRedis.await(redis.call(() -> redis.commands().xlen(key)), TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new HotsetException(this + ": cannot read its length: " + e, e);
    }
  }

  private static String text(Map<String, byte[]> fields, String name) {
    byte[] v = fields.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no field '" + name + "'");
    }
    return new String(v, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "dead-letter stream " + key;
  }
}
