package io.hotset.postgres.internal.replica;

import io.hotset.postgres.Lsn;

/** Arithmetic on WAL positions that depends on PostgreSQL's page layout. */
public final class WalPositions {
  /** {@code SizeOfXLogShortPHD}: the header at the start of every WAL page. */
  static final int SHORT_PAGE_HEADER = 24;
  /** {@code SizeOfXLogLongPHD}: the header of the first page of a segment. */
  static final int LONG_PAGE_HEADER = 40;

  private WalPositions() {}

  /**
   * The end of the last WAL record, given {@code pg_current_wal_insert_lsn()}. When the last
   * record ended exactly at a page boundary, the insert position points past the next page's
   * header, a position no standby's replay position ({@code pg_last_wal_replay_lsn()}, the end
   * of the last record replayed) reaches until another record is written; a read-your-writes
   * token must not ask for it, or the client reads from the primary until the next write.
   */
  public static Lsn lastRecordEnd(Lsn insert, int blockSize, long segmentSize) {
    long pos = insert.asLong();
    if (blockSize <= 0 || segmentSize <= 0) {
      return insert;
    }
    if (Long.remainderUnsigned(pos, segmentSize) == LONG_PAGE_HEADER) {
      return Lsn.of(pos - LONG_PAGE_HEADER);
    }
    long inSegment = Long.remainderUnsigned(pos, segmentSize);
    if (Long.remainderUnsigned(pos, blockSize) == SHORT_PAGE_HEADER && inSegment >= blockSize) {
      return Lsn.of(pos - SHORT_PAGE_HEADER);
    }
    return insert;
  }
}
