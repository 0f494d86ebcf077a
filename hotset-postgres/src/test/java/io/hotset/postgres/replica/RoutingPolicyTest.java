package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.internal.replica.ReplicaSample;
import io.hotset.postgres.internal.replica.RoutingPolicy;
import io.hotset.postgres.internal.replica.RoutingPolicy.Decision;
import io.hotset.postgres.internal.replica.RoutingPolicy.ReplicaView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The routing rules, decided from hand-made checks: no database, no threads, no sleeping. */
class RoutingPolicyTest {
  private static final long MS = 1_000_000L;
  private static final long NOW = 1_000_000 * MS;
  private static final long WALL = 1_700_000_000_000L;
  private final RoutingPolicy policy = new RoutingPolicy(1000 * MS, Long.MAX_VALUE, 10_000);

  private static ReplicaSample sample(long agoMs, long replay, long lagMs, long lagBytes) {
    return new ReplicaSample(NOW - (agoMs + 2) * MS, NOW - agoMs * MS, Lsn.of(replay), Lsn.of(replay), false,
        lagBytes, lagMs < 0 ? -1 : lagMs * MS, null);
  }

  private static ReplicaView fresh(String name, long replay) {
    return new ReplicaView(name, sample(10, replay, 0, 0), RoutingPolicy.NEVER, null);
  }

  private static ReplicaView lagging(String name, long replay, long lagMs) {
    return new ReplicaView(name, sample(10, replay, lagMs, 4096), RoutingPolicy.NEVER, null);
  }

  private Decision decide(ReadConsistency c, List<ReplicaView> replicas, int turn) {
    return policy.decide(c, replicas, NOW, WALL, turn);
  }

  @Test
  void anyReadsGoRoundRobinOverReplicasInRotation() {
    List<ReplicaView> r = List.of(fresh("a", 100), fresh("b", 100), fresh("c", 100));
    List<Integer> firsts = new ArrayList<>();
    for (int turn = 0; turn < 6; turn++) {
      Decision d = decide(ReadConsistency.any(), r, turn);
      assertThat(d.candidates()).hasSize(3);
      assertThat(d.verifyAtLeast()).isEqualTo(Lsn.NONE);
      firsts.add(d.candidates().get(0));
    }
    assertThat(firsts).containsExactly(0, 1, 2, 0, 1, 2);
    assertThat(decide(ReadConsistency.any(), r, 1).candidates()).containsExactly(1, 2, 0);
    assertThat(decide(ReadConsistency.any(), r, -7).candidates()).hasSize(3);   // a wrapped counter
  }

  @Test
  void replicaBeyondMaxLagLeavesRotationAndOthersServe() {
    List<ReplicaView> r = List.of(lagging("a", 100, 1200), fresh("b", 100));
    assertThat(policy.verdict(r.get(0), NOW).inRotation()).isFalse();
    assertThat(policy.verdict(r.get(0), NOW).reason()).contains("> maxLag 1000 ms");
    assertThat(decide(ReadConsistency.any(), r, 0).candidates()).containsExactly(1);
    assertThat(decide(ReadConsistency.any(), r, 1).candidates()).containsExactly(1);
  }

  @Test
  void lagIsCountedUpToNowNotJustToTheCheck() {
    ReplicaView v = new ReplicaView("a", sample(0, 100, 600, 10), RoutingPolicy.NEVER, null);
    assertThat(policy.verdict(v, NOW + 300 * MS).inRotation()).isTrue();
    assertThat(policy.verdict(v, NOW + 401 * MS).inRotation()).isFalse();
  }

  @Test
  void caughtUpReplicaWhoseChecksStopAnsweringLeavesAfterMaxLag() {
    ReplicaView v = fresh("a", 100);
    assertThat(policy.verdict(v, NOW + 990 * MS).inRotation()).isTrue();
    assertThat(policy.verdict(v, NOW + 1000 * MS).inRotation()).isFalse();
    assertThat(policy.verdict(v, NOW + 1000 * MS).reason()).contains("ago) > maxLag");
  }

  @Test
  void failureTakesAReplicaOutUntilACheckSentAfterIt() {
    ReplicaSample before = sample(10, 100, 0, 0);
    ReplicaView failed = new ReplicaView("a", before, NOW - 5 * MS, "connection: Connection refused");
    assertThat(policy.verdict(failed, NOW).inRotation()).isFalse();
    assertThat(policy.verdict(failed, NOW).reason()).isEqualTo("unreachable: connection: Connection refused");
    // a check sent before the failure but answered after it does not count
    ReplicaSample straddling = new ReplicaSample(NOW - 6 * MS, NOW - 1 * MS, Lsn.of(100), Lsn.of(100), false, 0, 0,
        null);
    assertThat(policy.verdict(new ReplicaView("a", straddling, NOW - 5 * MS, "x"), NOW).inRotation()).isFalse();
    ReplicaSample after = new ReplicaSample(NOW - 4 * MS, NOW - 3 * MS, Lsn.of(100), Lsn.of(100), false, 0, 0, null);
    assertThat(policy.verdict(new ReplicaView("a", after, NOW - 5 * MS, "x"), NOW).inRotation()).isTrue();
  }

  @Test
  void neverCheckedPromotedOrUnknownLagIsOut() {
    assertThat(policy.verdict(new ReplicaView("a", null, RoutingPolicy.NEVER, null), NOW).reason())
        .isEqualTo("not checked yet");
    assertThat(policy.verdict(new ReplicaView("a", null, NOW, "check: refused"), NOW).reason())
        .isEqualTo("unreachable: check: refused");
    ReplicaSample promoted = new ReplicaSample(NOW, NOW, Lsn.of(100), Lsn.NONE, false, 0, 0,
        "not in recovery (promoted, or not a standby)");
    assertThat(policy.verdict(new ReplicaView("a", promoted, RoutingPolicy.NEVER, null), NOW).reason())
        .isEqualTo("not in recovery (promoted, or not a standby)");
    ReplicaView unknown = new ReplicaView("a", sample(0, 100, -1, 100), RoutingPolicy.NEVER, null);
    assertThat(policy.verdict(unknown, NOW).inRotation()).isFalse();
    assertThat(policy.verdict(unknown, NOW).reason()).startsWith("lag unknown");
  }

  @Test
  void optionalByteBound() {
    RoutingPolicy bytes = new RoutingPolicy(1000 * MS, 1000, 10_000);
    ReplicaView v = new ReplicaView("a", sample(0, 100, 5, 1001), RoutingPolicy.NEVER, null);
    assertThat(bytes.verdict(v, NOW).inRotation()).isFalse();
    assertThat(bytes.verdict(v, NOW).reason()).isEqualTo("lag 1001 bytes > maxLagBytes 1000");
    assertThat(policy.verdict(v, NOW).inRotation()).isTrue();
  }

  @Test
  void primaryIsTheFallbackAndServesStrongReads() {
    List<ReplicaView> none = List.of(lagging("a", 100, 5000), new ReplicaView("b", null, RoutingPolicy.NEVER, null));
    Decision d = decide(ReadConsistency.any(), none, 0);
    assertThat(d.primary()).isTrue();
    assertThat(d.reason()).isEqualTo("no replica in rotation");
    assertThat(decide(ReadConsistency.any(), List.of(), 0).primary()).isTrue();
    assertThat(decide(ReadConsistency.primary(), List.of(fresh("a", 100)), 0).primary()).isTrue();
    assertThat(decide(ReadConsistency.atLeast(Lsn.of(50)), none, 0).primary()).isTrue();
  }

  @Test
  void atLeastPrefersReplicasThatHaveReplayedTheToken() {
    List<ReplicaView> r = List.of(fresh("a", 100), fresh("b", 300), fresh("c", 250));
    Decision d = decide(ReadConsistency.atLeast(Lsn.of(200)), r, 0);
    assertThat(d.candidates()).containsExactly(1, 2);
    assertThat(d.verifyAtLeast()).isEqualTo(Lsn.of(200));
    assertThat(decide(ReadConsistency.atLeast(Lsn.of(200)), r, 2).candidates()).containsExactly(2, 1);
  }

  @Test
  void atLeastAheadOfEveryCheckTriesTheFurthestReplicaOnceThenThePrimary() {
    List<ReplicaView> r = List.of(fresh("a", 100), fresh("b", 300), lagging("c", 900, 5000));
    Decision d = decide(ReadConsistency.atLeast(Lsn.of(500)), r, 0);
    assertThat(d.candidates()).containsExactly(1);   // c is further but out of rotation
    assertThat(d.verifyAtLeast()).isEqualTo(Lsn.of(500));
    assertThat(d.reason()).contains("0/12C < 0/1F4");
  }

  @Test
  void pinSendsReadsToThePrimaryUntilItEnds() {
    List<ReplicaView> r = List.of(fresh("a", 100));
    ReadConsistency pinned = ReadConsistency.pinnedUntil(Instant.ofEpochMilli(WALL + 5000));
    assertThat(policy.decide(pinned, r, NOW, WALL, 0).primary()).isTrue();
    assertThat(policy.decide(pinned, r, NOW, WALL, 0).reason()).isEqualTo("pinned to the primary for another 5000 ms");
    assertThat(policy.decide(pinned, r, NOW, WALL + 4999, 0).primary()).isTrue();
    assertThat(policy.decide(pinned, r, NOW, WALL + 5000, 0).candidates()).containsExactly(0);
    // expired pins and pins no router of these settings hands out read like any()
    ReadConsistency forged = ReadConsistency.pinnedUntil(Instant.ofEpochMilli(WALL + 10_001));
    assertThat(policy.decide(forged, r, NOW, WALL, 0).candidates()).containsExactly(0);
    // a pin with every replica out is still the primary
    assertThat(policy.decide(pinned, List.of(lagging("a", 1, 9000)), NOW, WALL + 6000, 0).primary()).isTrue();
  }
}
