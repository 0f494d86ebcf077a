package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.postgres.Lsn;
import io.hotset.postgres.internal.replica.WalHistory;
import io.hotset.postgres.internal.replica.WalPositions;
import org.junit.jupiter.api.Test;

class WalHistoryTest {
  private static final long MS = 1_000_000L;
  private final WalHistory history = new WalHistory(60_000 * MS, 1000);

  @Test
  void unknownBeforeAnyPrimaryObservation() {
    assertThat(history.latest()).isNull();
    assertThat(history.lagNanos(Lsn.of(100), 0)).isEqualTo(-1);
    assertThat(history.lagBytes(Lsn.of(100))).isEqualTo(-1);
    assertThat(history.oldestAgeNanos(5)).isEqualTo(-1);
  }

  @Test
  void idlePrimaryMeansNoLagHoweverLongItIsIdle() {
    history.record(Lsn.of(1000), 0);
    for (long t = 100; t <= 600_000; t += 100) {
      history.record(Lsn.of(1000), t * MS);   // ten minutes without a write
    }
    assertThat(history.lagNanos(Lsn.of(1000), 600_000 * MS)).isZero();
    assertThat(history.lagBytes(Lsn.of(1000))).isZero();
    assertThat(history.lagNanos(Lsn.of(2000), 600_000 * MS)).isZero();   // replica read after a newer write
  }

  @Test
  void pausedReplicaLagGrowsFromTheFirstWriteItMissed() {
    history.record(Lsn.of(1000), 0);
    history.record(Lsn.of(1000), 100 * MS);
    // replica replays up to 1000, then pauses; writes start after t=100 ms
    history.record(Lsn.of(1500), 200 * MS);
    history.record(Lsn.of(1900), 300 * MS);
    history.record(Lsn.of(2500), 400 * MS);
    assertThat(history.lagNanos(Lsn.of(1000), 250 * MS)).isEqualTo(50 * MS);
    assertThat(history.lagNanos(Lsn.of(1000), 1200 * MS)).isEqualTo(1000 * MS);
    assertThat(history.lagBytes(Lsn.of(1000))).isEqualTo(1500);
    // a replica that has replayed part of it is missing younger writes only
    assertThat(history.lagNanos(Lsn.of(1500), 1200 * MS)).isEqualTo(900 * MS);
    assertThat(history.lagNanos(Lsn.of(1700), 1200 * MS)).isEqualTo(900 * MS);
    assertThat(history.lagNanos(Lsn.of(2499), 1200 * MS)).isEqualTo(800 * MS);
    assertThat(history.lagNanos(Lsn.of(2500), 1200 * MS)).isZero();
  }

  @Test
  void aSingleWriteAfterALongIdleIsYoungNotAsOldAsTheIdleTime() {
    history.record(Lsn.of(1000), 0);
    history.record(Lsn.of(1000), 3_600_000 * MS);      // idle for an hour
    history.record(Lsn.of(1100), 3_600_100 * MS);      // one write
    assertThat(history.lagNanos(Lsn.of(1000), 3_600_150 * MS)).isEqualTo(50 * MS);
  }

  @Test
  void replicaOlderThanTheHistoryIsUnknownWithALowerBound() {
    history.record(Lsn.of(5000), 10 * MS);
    history.record(Lsn.of(6000), 20 * MS);
    assertThat(history.lagNanos(Lsn.of(4000), 30 * MS)).isEqualTo(-1);
    assertThat(history.oldestAgeNanos(30 * MS)).isEqualTo(20 * MS);
  }

  @Test
  void keepsAnEntryWhileItsSuccessorIsInsideTheWindow() {
    WalHistory h = new WalHistory(1000 * MS, 1000);
    h.record(Lsn.of(100), 0);
    h.record(Lsn.of(100), 5000 * MS);
    h.record(Lsn.of(200), 5100 * MS);   // first write after a long idle: entry 100 stays, it precedes a fresh one
    assertThat(h.lagNanos(Lsn.of(100), 5200 * MS)).isEqualTo(100 * MS);
    h.record(Lsn.of(300), 7000 * MS);
    h.record(Lsn.of(400), 7100 * MS);
    assertThat(h.lagNanos(Lsn.of(200), 7100 * MS)).isEqualTo(100 * MS);
    // 100 was dropped at 7000: its successor 200 had been seen 1.9 s before, beyond the window
    assertThat(h.lagNanos(Lsn.of(100), 7100 * MS)).isEqualTo(-1);
  }

  @Test
  void boundsItsSize() {
    WalHistory h = new WalHistory(3_600_000 * MS, 10);
    for (int i = 1; i <= 100; i++) {
      h.record(Lsn.of(i * 10L), i * MS);
    }
    assertThat(h.lagNanos(Lsn.of(910), 100 * MS)).isEqualTo(8 * MS);  // kept: 910..1000
    assertThat(h.lagNanos(Lsn.of(905), 100 * MS)).isEqualTo(-1);
  }

  @Test
  void startsOverWhenThePrimaryPositionGoesBackwards() {
    history.record(Lsn.parse("5/0"), 0);
    history.record(Lsn.parse("0/100"), 10 * MS);
    assertThat(history.latest()).isEqualTo(Lsn.parse("0/100"));
    assertThat(history.lagNanos(Lsn.parse("0/100"), 20 * MS)).isZero();
    assertThat(history.lagNanos(Lsn.parse("0/50"), 20 * MS)).isEqualTo(-1);
  }

  @Test
  void insertPositionAfterAPageHeaderIsTheLastRecordsEnd() {
    long seg = 16L << 20;
    Lsn mid = Lsn.of(3 * seg + 5 * 8192 + 24);   // a page start inside a segment: short header
    assertThat(WalPositions.lastRecordEnd(mid, 8192, seg)).isEqualTo(Lsn.of(3 * seg + 5 * 8192));
    Lsn segStart = Lsn.of(3 * seg + 40);         // a segment start: long header
    assertThat(WalPositions.lastRecordEnd(segStart, 8192, seg)).isEqualTo(Lsn.of(3 * seg));
    Lsn ordinary = Lsn.of(3 * seg + 5 * 8192 + 200);
    assertThat(WalPositions.lastRecordEnd(ordinary, 8192, seg)).isSameAs(ordinary);
    Lsn inLongHeaderPage = Lsn.of(3 * seg + 24);  // not an insert position; left alone
    assertThat(WalPositions.lastRecordEnd(inLongHeaderPage, 8192, seg)).isSameAs(inLongHeaderPage);
    assertThat(WalPositions.lastRecordEnd(mid, 0, seg)).isSameAs(mid);
  }
}
