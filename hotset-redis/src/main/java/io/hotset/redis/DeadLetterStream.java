package io.hotset.redis;

import io.hotset.spi.DeadLetter;
import io.hotset.spi.DeadLetterSink;
import java.util.List;

/**
 * A write-behind dead-letter queue in a Redis Stream ({@code XADD <keyPrefix>:dlq:<name> MAXLEN ~ n}),
 * shared by every process that writes to it, and read by operators through {@link #read} or
 * {@code XRANGE}. Give it to {@code WriteBehindSpec.Builder.deadLetters(...)}.
 *
 * <p>Each entry has the fields {@code name} (the write-behind buffer), {@code journal},
 * {@code seq}, {@code key}, {@code value} (the codec's bytes), {@code text} (the value's
 * {@code toString}), {@code reason} and {@code at} (ISO-8601). Calls go through the Redis
 * circuit breaker and time out; a failed {@link #deadLetter} is logged and counted by the
 * write-behind buffer, which keeps flushing.
 */
public interface DeadLetterStream extends DeadLetterSink {

  /** The stream's Redis key, for {@code XRANGE}, {@code XLEN} or {@code XDEL} by hand. */
  String key();

  /** Appends one dead letter (XADD, trimming the stream to about its maximum length). */
  @Override
  void deadLetter(DeadLetter letter) throws Exception;

  /**
   * Up to {@code max} dead letters, oldest first.
   *
   * @throws IllegalArgumentException if {@code max} is below 1
   * @throws io.hotset.HotsetException if Redis cannot be read (breaker open, timeout)
   */
  List<DeadLetter> read(int max);

  /**
   * How many dead letters the stream holds (XLEN).
   *
   * @throws io.hotset.HotsetException if Redis cannot be read
   */
  long size();
}
