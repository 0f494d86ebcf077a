package io.hotset.postgres.replica;

import static io.hotset.postgres.replica.Harness.await;
import static io.hotset.postgres.replica.Harness.awaitCaughtUp;
import static io.hotset.postgres.replica.Harness.put;
import static io.hotset.postgres.replica.Harness.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReadToken;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.postgres.replica.Harness.Served;
import io.hotset.testkit.PostgresReplicaSet;
import io.hotset.testkit.WithPostgresReplicas;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Two replicas: reads alternate; a lagging one leaves rotation alone, the other keeps the reads off the primary. */
@WithPostgresReplicas(replicas = 2)
class ReplicaRoundRobinIT {

  @Test
  void readsAlternateAndALaggingReplicaHandsItsShareToTheOther(PostgresReplicaSet set) throws Exception {
    Harness.resetTable(set);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ReplicaRouter router = Harness.router(set, registry).build()) {
      put(router, "g", "v1");
      awaitCaughtUp(set);
      await("both replicas in rotation", Duration.ofSeconds(5),
          () -> router.status().replicas().stream().allMatch(ReplicaRouter.ReplicaStatus::inRotation), router::status);

      assertThat(servedBy(router, set, 20, "v1")).isEqualTo(Map.of("r1", 10, "r2", 10));

      set.pauseReplay(set.replica(0));
      ReadToken token;
      try (Connection c = router.primaryConnection()) {
        put(c, "g", "v2");
        token = router.writeToken(c);
      }
      set.awaitCaughtUp(set.replica(1), Duration.ofSeconds(10));
      await("r2's check to see the write", Duration.ofSeconds(5),
          () -> router.status().replica("r2").replayLsn().isAtLeast(token.lsn()), router::status);
      for (int i = 0; i < 4; i++) {   // whatever the round-robin turn, only r2 qualifies
        assertThat(read(router, set, ReadConsistency.of(token), "g")).isEqualTo(new Served("v2", "r2"));
      }

      await("r1 to leave rotation", Duration.ofSeconds(10),
          () -> !router.status().replica("r1").inRotation(), router::status);
      assertThat(servedBy(router, set, 10, "v2")).isEqualTo(Map.of("r2", 10));
      assertThat(registry.get("hotset_replica_in_rotation").tag("replica", "r1").gauge().value()).isZero();
      assertThat(registry.get("hotset_replica_in_rotation").tag("replica", "r2").gauge().value()).isOne();

      set.resumeReplay(set.replica(0));
      await("r1 to return", Duration.ofSeconds(10), () -> router.status().replica("r1").inRotation(),
          router::status);
      assertThat(servedBy(router, set, 20, "v2")).isEqualTo(Map.of("r1", 10, "r2", 10));
      assertThat(registry.get("hotset_replica_reads_total").tag("target", "primary").counter().count()).isZero();
    }
  }

  private static Map<String, Integer> servedBy(ReplicaRouter router, PostgresReplicaSet set, int reads,
      String expected) throws Exception {
    Map<String, Integer> byNode = new TreeMap<>();
    for (int i = 0; i < reads; i++) {
      Served s = read(router, set, ReadConsistency.any(), "g");
      assertThat(s.value()).isEqualTo(expected);
      byNode.merge(s.node(), 1, Integer::sum);
    }
    return byNode;
  }
}
