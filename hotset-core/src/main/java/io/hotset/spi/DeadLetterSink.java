package io.hotset.spi;

/**
 * Where a write-behind buffer puts the records its sink rejects as poison, so they are kept
 * (for an operator to inspect and replay) instead of only logged. Implementations: a local
 * file ({@code WriteBehindSpec.Builder.deadLetterFile}) in hotset-core, a Redis Stream
 * ({@code HotsetRedis.deadLetterStream}) in hotset-redis.
 *
 * <p>Called from the buffer's flusher thread, one record at a time. A failure is not retried:
 * the buffer logs the record at ERROR, counts {@code hotset.writebehind.dead.letters.failed},
 * and goes on flushing the rest, so a broken dead-letter store never stops the source's writes.
 */
@FunctionalInterface
public interface DeadLetterSink {

  /** Stores one dead letter durably before returning. */
  void deadLetter(DeadLetter letter) throws Exception;
}
