package io.hotset.redis.internal;

import io.hotset.spi.WriteJournal;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XTrimArgs;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

/**
 * A write-behind journal in a Redis Stream: {@code <prefix>wb:{<name>}} holds the records,
 * {@code <prefix>wb:{<name>}:seq} the last sequence. One script INCRs the sequence and XADDs the
 * record with the explicit ID {@code 0-<seq>}, so sequences are contiguous and in stream order
 * whatever the number of writers. Acknowledgement means Redis accepted the record (its
 * persistence settings decide what a Redis crash keeps). Records leave the stream (XTRIM MINID)
 * only after the sink committed them with its checkpoint, which replaces a consumer group's
 * XACK: an XACK cannot be atomic with the source's commit, the checkpoint is.
 */
final class RedisStreamJournal implements WriteJournal {
  private static final Scripts.Script APPEND = new Scripts.Script("""
      local seq = redis.call('INCR', KEYS[2])
      redis.call('XADD', KEYS[1], '0-' .. seq, 'd', ARGV[1])
      return seq
      """);
  private static final Scripts.Script ENSURE_ABOVE = new Scripts.Script("""
      local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
      if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
      return 1
      """);
  private static final long TIMEOUT_SECONDS = 2;

  private final GuardedRedis redis;
  private final String stream;
  private final String sequenceKey;

  RedisStreamJournal(GuardedRedis redis, String prefix, String name) {
    this.redis = redis;
    this.stream = prefix + "wb:{" + name + "}";
    this.sequenceKey = stream + ":seq";
  }

  @Override
  public long append(byte[] record) throws Exception {
    Long seq = redis.<Long>eval(APPEND, ScriptOutputType.INTEGER, new String[] {stream, sequenceKey}, record)
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return seq;
  }

  @Override
  public void replay(long afterSequence, ObjLongConsumer<byte[]> consumer) throws Exception {
    String from = "0-" + (afterSequence + 1);
    while (true) {
      String start = from;
      List<StreamMessage<String, byte[]>> batch = redis.<List<StreamMessage<String, byte[]>>>call(
          () -> redis.commands().xrange(stream, Range.create(start, "+"), Limit.create(0, 1_000)))
          .get(TIMEOUT_SECONDS * 5, TimeUnit.SECONDS);
      if (batch.isEmpty()) {
        return;
      }
      long last = 0;
      for (StreamMessage<String, byte[]> m : batch) {
        last = Long.parseLong(m.getId().substring(m.getId().indexOf('-') + 1));
        consumer.accept(m.getBody().get("d"), last);
      }
      from = "0-" + (last + 1);
    }
  }

  @Override
  public void ensureSequenceAbove(long sequence) throws Exception {
    redis.<Long>eval(ENSURE_ABOVE, ScriptOutputType.INTEGER, new String[] {sequenceKey}, GuardedRedis.bytes(sequence))
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void truncateThrough(long sequence) throws Exception {
    redis.call(() -> redis.commands().xtrim(stream, XTrimArgs.Builder.minId("0-" + (sequence + 1))))
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    // the connection belongs to HotsetRedis
  }
}
