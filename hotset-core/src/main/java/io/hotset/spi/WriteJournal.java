package io.hotset.spi;

import java.util.function.ObjLongConsumer;

/**
 * A durable, ordered log of acknowledged write-behind records. {@link #append} returns only
 * once the record survives a crash of this process (kill -9). Sequences are positive and
 * increase with every append. Implementations: a local append-only file in hotset-core,
 * Redis Streams in hotset-redis.
 */
public interface WriteJournal extends AutoCloseable {

  /** Appends durably and returns the record's sequence. Thread-safe; may group-commit. */
  long append(byte[] record) throws Exception;

  /** Calls {@code consumer(record, sequence)} for every record after {@code afterSequence}, in order. */
  void replay(long afterSequence, ObjLongConsumer<byte[]> consumer) throws Exception;

  /**
   * Makes the next {@link #append} return a sequence above {@code sequence}. Called on open with
   * the sink's checkpoint, so a journal that lost its tail (a flushed Redis, a deleted file)
   * never hands out sequences the sink would treat as already applied.
   */
  void ensureSequenceAbove(long sequence) throws Exception;

  /** Records up to {@code sequence} are applied to the source and may be discarded. */
  void truncateThrough(long sequence) throws Exception;

  @Override
  void close();
}
