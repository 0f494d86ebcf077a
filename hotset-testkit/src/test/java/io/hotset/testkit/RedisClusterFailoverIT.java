package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithRedisCluster(masters = 3, replicasPerMaster = 1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterFailoverIT {

    @Test
    @Order(1)
    void everyMasterHasAReplica(RedisCluster cluster) {
        List<RedisServer> nodes = cluster.nodes();
        assertThat(nodes).hasSize(6);
        assertThat(cluster.masters()).containsExactlyElementsOf(nodes.subList(0, 3));
        assertThat(cluster.replicas()).containsExactlyElementsOf(nodes.subList(3, 6));
        for (int m = 0; m < 3; m++) {
            assertThat(cluster.replicasOf(nodes.get(m))).containsExactly(nodes.get(3 + m));
            assertThat(RedisClusterIT.clusterInfo(nodes.get(m))).containsEntry("cluster_state", "ok")
                    .containsEntry("cluster_known_nodes", "6");
        }
    }

    @Test
    @Order(2)
    void failoverPromotesTheReplica(RedisCluster cluster) {
        RedisServer master = cluster.nodes().get(0);
        RedisServer replica = cluster.nodes().get(3);
        String key = "{failover}:k";
        int slot = RedisCluster.slotOf(key);
        int moved = cluster.migrateSlot(slot, master);
        assertThat(moved).isZero();
        assertThat(cluster.command("SET", key, "survives")).isEqualTo("OK");
        // No WAIT needed: a coordinated CLUSTER FAILOVER lets the replica catch up before it takes over.

        RedisServer promoted = cluster.failover(master);

        assertThat(promoted).isSameAs(replica);
        assertThat(((List<?>) replica.command("ROLE")).get(0)).isEqualTo("master");
        assertThat(((List<?>) master.command("ROLE")).get(0)).isEqualTo("slave");
        assertThat(cluster.replicasOf(replica)).containsExactly(master);
        assertThat(cluster.nodeForSlot(slot)).isSameAs(replica);
        assertThat(cluster.masters()).contains(replica).doesNotContain(master);
        assertThat(replica.command("GET", key)).isEqualTo("survives");
        assertThat(cluster.command("GET", key)).isEqualTo("survives");
        for (RedisServer node : cluster.nodes()) {
            assertThat(RedisClusterIT.clusterInfo(node)).containsEntry("cluster_state", "ok");
        }
    }

    @Test
    @Order(3)
    void killedMasterIsReplacedByItsReplicaAndRejoinsAsReplica(RedisCluster cluster) {
        RedisServer master = cluster.nodes().get(1);
        RedisServer replica = cluster.nodes().get(4);
        List<Integer> slots = cluster.slotsOf(master);
        assertThat(slots).isNotEmpty();

        master.kill();
        cluster.awaitStable();

        assertThat(((List<?>) replica.command("ROLE")).get(0)).isEqualTo("master");
        assertThat(cluster.slotsOf(replica)).isEqualTo(slots);
        assertThat(cluster.masters()).hasSize(3).contains(replica);

        master.start();
        cluster.awaitStable();

        assertThat(((List<?>) master.command("ROLE")).get(0)).isEqualTo("slave");
        assertThat(cluster.replicasOf(replica)).containsExactly(master);
        assertThat(cluster.replicas()).hasSize(3);
    }
}
