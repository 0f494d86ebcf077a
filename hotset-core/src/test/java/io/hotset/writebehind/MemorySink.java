package io.hotset.writebehind;

import io.hotset.spi.WriteBehindSink;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A transactional in-memory source: data and checkpoint change together, or not at all. */
final class MemorySink<K> implements WriteBehindSink<K, Long> {
  final Map<K, Long> rows = new HashMap<>();
  final AtomicBoolean down = new AtomicBoolean();
  final AtomicLong applies = new AtomicLong();
  final AtomicLong rowWrites = new AtomicLong();
  private long checkpoint;
  private final boolean sum;

  MemorySink(boolean sum) {
    this.sum = sum;
  }

  @Override
  public synchronized long appliedThrough(String journalId) {
    return checkpoint;
  }

  @Override
  public synchronized void apply(Map<K, Long> merged, String journalId, long through) throws Exception {
    if (down.get()) {
      throw new java.sql.SQLTransientConnectionException("source down");
    }
    for (Map.Entry<K, Long> e : merged.entrySet()) {
      rows.merge(e.getKey(), e.getValue(), sum ? Long::sum : (a, b) -> b);
    }
    checkpoint = through;
    applies.incrementAndGet();
    rowWrites.addAndGet(merged.size());
  }

  synchronized long total() {
    return rows.values().stream().mapToLong(Long::longValue).sum();
  }

  synchronized Map<K, Long> snapshot() {
    return new HashMap<>(rows);
  }
}
