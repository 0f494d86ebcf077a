package io.hotset.redis;

import io.hotset.PoisonRecordException;
import io.hotset.spi.WriteBehindSink;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A transactional in-memory source of counters shared by several "processes": rows and the
 * per-journal checkpoint change together; keys in {@code poison} are rejected as poison.
 */
final class CountingSource implements WriteBehindSink<String, Long> {
  private final Map<String, Long> rows = new HashMap<>();
  private final Map<String, Long> checkpoints = new HashMap<>();
  private final Set<String> poison;

  CountingSource(Set<String> poison) {
    this.poison = Set.copyOf(poison);
  }

  @Override
  public synchronized long appliedThrough(String journalId) {
    return checkpoints.getOrDefault(journalId, 0L);
  }

  @Override
  public synchronized void apply(Map<String, Long> merged, String journalId, long through)
      throws PoisonRecordException {
    for (String key : merged.keySet()) {
      if (poison.contains(key)) {
        throw new PoisonRecordException(Set.of(key), "no product '" + key + "'", null);
      }
    }
    merged.forEach((k, v) -> rows.merge(k, v, Long::sum));
    checkpoints.put(journalId, through);
  }

  /** The source's value of a counter (0 if it has no row): the counters' seed. */
  synchronized long value(String key) {
    return rows.getOrDefault(key, 0L);
  }

  synchronized void put(String key, long value) {
    rows.put(key, value);
  }

  synchronized Map<String, Long> snapshot() {
    return new HashMap<>(rows);
  }
}
