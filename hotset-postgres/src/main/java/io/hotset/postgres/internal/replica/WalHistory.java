package io.hotset.postgres.internal.replica;

import io.hotset.postgres.Lsn;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The primary's WAL position over time (one entry per observed advance), so that a replica's
 * replay position can be turned into time lag without trusting any clock but our own ticker.
 *
 * <p>A replica that has replayed up to {@code R} is missing exactly the writes after {@code R}.
 * If the first primary observation past {@code R} was at time {@code t}, the oldest missing write
 * happened before {@code t}, so the replica is at least {@code now - t} behind; the true value is
 * at most one check interval more. A replica at or past the primary's latest position lags 0,
 * however old its last replayed transaction is: an idle primary does not make replicas stale
 * (unlike {@code now() - pg_last_xact_replay_timestamp()}, which grows while nothing is written).
 *
 * <p>Positions older than the retained history give no exact answer ({@code -1}); entries are
 * kept while their successor is younger than the window. If the primary's position goes
 * backwards (a different server behind the same address), the history restarts. Thread-safe.
 */
public final class WalHistory {
  private record Entry(long lsn, long seenAtNanos) {}

  private final long windowNanos;
  private final int maxEntries;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  public WalHistory(long windowNanos, int maxEntries) {
    if (windowNanos <= 0 || maxEntries < 2) {
      throw new IllegalArgumentException("window " + windowNanos + " ns, entries " + maxEntries);
    }
    this.windowNanos = windowNanos;
    this.maxEntries = maxEntries;
  }

  /** Records that the primary was at {@code position} at {@code atNanos}. */
  public synchronized void record(Lsn position, long atNanos) {
    Entry last = entries.peekLast();
    if (last != null && Long.compareUnsigned(position.asLong(), last.lsn) < 0) {
      entries.clear();
      last = null;
    }
    if (last == null || position.asLong() != last.lsn) {
      entries.addLast(new Entry(position.asLong(), atNanos));
    }
    while (entries.size() > maxEntries) {
      entries.removeFirst();
    }
    while (entries.size() > 1) {
      Iterator<Entry> it = entries.iterator();
      it.next();
      if (atNanos - it.next().seenAtNanos <= windowNanos) {
        break;
      }
      entries.removeFirst();
    }
  }

  /** The primary's latest recorded position, or null before the first. */
  public synchronized Lsn latest() {
    Entry last = entries.peekLast();
    return last == null ? null : Lsn.of(last.lsn);
  }

  /** WAL bytes between {@code replay} and the latest primary position (0 if not behind; -1 if unknown). */
  public synchronized long lagBytes(Lsn replay) {
    Entry last = entries.peekLast();
    return last == null ? -1 : Lsn.of(last.lsn).bytesAfter(replay);
  }

  /**
   * How old, at {@code atNanos}, the oldest write after {@code replay} is (a lower bound, exact
   * to one observation interval): 0 when {@code replay} is at or past the latest position;
   * -1 when unknown (no observation yet, or {@code replay} is older than the history).
   */
  public synchronized long lagNanos(Lsn replay, long atNanos) {
    Entry last = entries.peekLast();
    if (last == null) {
      return -1;
    }
    long r = replay.asLong();
    if (Long.compareUnsigned(r, last.lsn) >= 0) {
      return 0;
    }
    Entry firstPast = null;
    Iterator<Entry> newestFirst = entries.descendingIterator();
    while (newestFirst.hasNext()) {
      Entry e = newestFirst.next();
      if (Long.compareUnsigned(e.lsn, r) <= 0) {
        return Math.max(0, atNanos - firstPast.seenAtNanos);
      }
      firstPast = e;
    }
    return -1;
  }

  /**
   * The lower bound of the lag of a replica older than the whole history: how long ago the
   * oldest retained position was first seen (-1 without history).
   */
  public synchronized long oldestAgeNanos(long atNanos) {
    Entry first = entries.peekFirst();
    return first == null ? -1 : Math.max(0, atNanos - first.seenAtNanos);
  }
}
