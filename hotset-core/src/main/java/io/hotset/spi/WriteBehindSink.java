package io.hotset.spi;

import java.util.Map;

/**
 * The source of truth behind a write-behind buffer. Exactly-once by checkpoint: {@link #apply}
 * writes the merged values <em>and</em> "applied through sequence N" of the journal in one
 * transaction, and {@link #appliedThrough} reads that checkpoint back, so a restart replays only
 * what the source has not seen, whatever crashed when (after Kafka Connect's exactly-once sinks).
 *
 * @param <K> key type
 * @param <V> value type (for counters: the summed delta)
 */
public interface WriteBehindSink<K, V> {

  /** The highest journal sequence already applied for this journal id; 0 if none. */
  long appliedThrough(String journalId) throws Exception;

  /**
   * Applies one batch atomically: every merged entry and the new checkpoint, or nothing.
   * For counters each value is a delta to add; otherwise the latest value to store (upsert).
   */
  void apply(Map<K, V> merged, String journalId, long throughSequence) throws Exception;
}
