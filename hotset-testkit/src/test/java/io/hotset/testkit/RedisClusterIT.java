package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithRedisCluster(masters = 3, replicasPerMaster = 0)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {
    private static long killedPid;

    static Map<String, String> clusterInfo(RedisServer node) {
        Map<String, String> info = new ConcurrentHashMap<>();
        for (String line : ((String) node.command("CLUSTER", "INFO")).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                info.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return info;
    }

    @Test
    @Order(1)
    void threeMastersCoverAllSlots(RedisCluster cluster) {
        assertThat(cluster.nodes()).hasSize(3);
        assertThat(cluster.masters()).containsExactlyElementsOf(cluster.nodes());
        assertThat(cluster.replicas()).isEmpty();
        for (RedisServer node : cluster.nodes()) {
            Map<String, String> info = clusterInfo(node);
            assertThat(info).containsEntry("cluster_state", "ok")
                    .containsEntry("cluster_slots_assigned", "16384")
                    .containsEntry("cluster_slots_ok", "16384")
                    .containsEntry("cluster_known_nodes", "3")
                    .containsEntry("cluster_size", "3");
            assertThat(node.isClusterNode()).isTrue();
            assertThat(node.clusterBusPort()).isPositive().isNotEqualTo(node.port());
            assertThat(node.command("CONFIG", "GET", "cluster-node-timeout"))
                    .isEqualTo(List.of("cluster-node-timeout", "2000"));
            assertThat(Files.exists(node.workDir().resolve("nodes.conf"))).isTrue();
        }
        List<Integer> sizes = cluster.nodes().stream().map(n -> cluster.slotsOf(n).size()).collect(Collectors.toList());
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(RedisCluster.SLOTS);
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(5460, 5462));
        assertThat(cluster.nodeForSlot(0)).isSameAs(cluster.nodes().get(0));
        assertThat(cluster.nodeForSlot(16383)).isSameAs(cluster.nodes().get(2));
        assertThat(cluster.seedUris()).containsExactlyElementsOf(
                cluster.nodes().stream().map(n -> "redis://127.0.0.1:" + n.port()).collect(Collectors.toList()));
        assertThat(cluster.seedsCsv()).isEqualTo(
                cluster.nodes().stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(",")));
        assertThat(cluster.nodes().stream().map(cluster::nodeId).distinct()).hasSize(3);
        assertThatThrownBy(() -> cluster.nodeForSlot(16384)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Order(2)
    void slotOfMatchesRedis(RedisCluster cluster) {
        RedisServer any = cluster.nodes().get(1);
        List<String> keys = new ArrayList<>(List.of("", "123456789", "foo", "{user1000}.following",
                "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "{", "}{a}", "héllo wörld",
                "日本語のキー"));
        for (int i = 0; i < 200; i++) {
            keys.add("key:" + i);
        }
        for (String key : keys) {
            assertThat(RedisCluster.slotOf(key)).as("slot of '%s'", key)
                    .isEqualTo(((Long) any.command("CLUSTER", "KEYSLOT", key)).intValue());
        }
        assertThat(RedisCluster.slotOf("123456789")).isEqualTo(0x31C3);
        assertThat(RedisCluster.slotOf("{user1000}.following")).isEqualTo(RedisCluster.slotOf("user1000"));
    }

    @Test
    @Order(3)
    void setAndGetOnManySlotsReachTheOwningMaster(RedisCluster cluster) {
        Set<RedisServer> owners = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String key = "user:" + i;
            assertThat(cluster.command("SET", key, "v" + i)).isEqualTo("OK");
            RedisServer owner = cluster.nodeForKey(key);
            owners.add(owner);
            assertThat(owner.command("GET", key)).isEqualTo("v" + i);
            for (RedisServer other : cluster.nodes()) {
                if (other != owner) {
                    assertThatThrownBy(() -> other.command("GET", key))
                            .isInstanceOf(RedisErrorException.class)
                            .satisfies(e -> assertThat(((RedisErrorException) e).reply())
                                    .isEqualTo("MOVED " + RedisCluster.slotOf(key) + " 127.0.0.1:" + owner.port()));
                }
            }
        }
        assertThat(owners).containsExactlyInAnyOrderElementsOf(cluster.nodes());
        for (int i = 0; i < 100; i++) {
            assertThat(cluster.command("GET", "user:" + i)).isEqualTo("v" + i);
        }
        assertThat(cluster.command("GET", "user:missing")).isNull();
    }

    @Test
    @Order(4)
    void migrateSlotMovesItsKeysWhileClientsReadAndWrite(RedisCluster cluster) throws InterruptedException {
        String tag = "{migrating}";
        int slot = RedisCluster.slotOf(tag);
        RedisServer source = cluster.nodeForSlot(slot);
        RedisServer target = cluster.nodes().stream().filter(n -> n != source).findFirst().orElseThrow();
        int keys = 1000;
        List<String> mset = new ArrayList<>(List.of("MSET"));
        for (int i = 0; i < keys; i++) {
            mset.add(tag + ":" + i);
            mset.add("value-" + i);
        }
        assertThat(cluster.command(mset.toArray(new String[0]))).isEqualTo("OK");
        assertThat(source.command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot))).isEqualTo((long) keys);

        AtomicBoolean stop = new AtomicBoolean();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger readsDuringMigration = new AtomicInteger();
        AtomicBoolean migrating = new AtomicBoolean();
        List<String> written = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                int i = ThreadLocalRandom.current().nextInt(keys);
                try {
                    Object v = cluster.command("GET", tag + ":" + i);
                    if (!("value-" + i).equals(v)) {
                        errors.add(new AssertionError("read " + v + " for " + tag + ":" + i));
                    }
                    reads.incrementAndGet();
                    if (migrating.get()) {
                        readsDuringMigration.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }, "cluster-reader");
        Thread writer = new Thread(() -> {
            for (int j = 0; !stop.get(); j++) {
                String key = tag + ":new:" + j;
                try {
                    cluster.command("SET", key, "new-" + j);
                    synchronized (written) {
                        written.add(key);
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }, "cluster-writer");
        reader.start();
        writer.start();
        Thread.sleep(100);
        int moved;
        try {
            migrating.set(true);
            moved = cluster.migrateSlot(slot, target);
            migrating.set(false);
            Thread.sleep(100);
        } finally {
            stop.set(true);
            reader.join(10_000);
            writer.join(10_000);
        }

        assertThat(errors).isEmpty();
        assertThat(moved).isGreaterThanOrEqualTo(keys);
        assertThat(readsDuringMigration.get()).as("reads while the slot was migrating").isPositive();
        assertThat(cluster.nodeForSlot(slot)).isSameAs(target);
        for (RedisServer node : cluster.nodes()) {
            assertThat(clusterInfo(node)).containsEntry("cluster_state", "ok");
            assertThat(((String) node.command("CLUSTER", "NODES"))).doesNotContain("->-").doesNotContain("-<-");
        }
        assertThat(source.command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot))).isEqualTo(0L);
        assertThat(target.command("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)))
                .isEqualTo((long) keys + written.size());
        for (int i = 0; i < keys; i++) {
            assertThat(target.command("GET", tag + ":" + i)).isEqualTo("value-" + i);
        }
        for (String key : written) {
            assertThat(target.command("GET", key)).isEqualTo("new-" + key.substring(key.lastIndexOf(':') + 1));
        }
        assertThatThrownBy(() -> source.command("GET", tag + ":0"))
                .isInstanceOf(RedisErrorException.class)
                .hasMessageContaining("MOVED " + slot + " 127.0.0.1:" + target.port());
        assertThat(cluster.migrateSlot(slot, target)).as("already there").isZero();
        assertThatThrownBy(() -> cluster.failover(source))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no running replica");
    }

    @Test
    @Order(5)
    void killAMaster(RedisCluster cluster) {
        RedisServer victim = cluster.nodes().get(1);
        killedPid = victim.pid();
        victim.kill();
        assertThat(victim.isRunning()).isFalse();
        assertThat(cluster.masters()).doesNotContain(victim).hasSize(2);
    }

    @Test
    @Order(6)
    void extensionRestartsKilledNodesAndAwaitsAStableCluster(RedisCluster cluster) {
        assertThat(killedPid).as("the previous test ran").isPositive();
        RedisServer restarted = cluster.nodes().get(1);
        assertThat(restarted.isRunning()).isTrue();
        assertThat(restarted.pid()).isNotEqualTo(killedPid);
        assertThat(cluster.masters()).hasSize(3);
        for (RedisServer node : cluster.nodes()) {
            assertThat(clusterInfo(node)).containsEntry("cluster_state", "ok").containsEntry("cluster_known_nodes", "3");
        }
        String key = cluster.slotsOf(restarted).isEmpty() ? "x" : "{" + findTagFor(cluster.slotsOf(restarted)) + "}";
        assertThat(cluster.command("SET", key, "back")).isEqualTo("OK");
        assertThat(restarted.command("GET", key)).isEqualTo("back");
    }

    private static String findTagFor(List<Integer> slots) {
        Set<Integer> wanted = new HashSet<>(slots);
        for (int i = 0;; i++) {
            if (wanted.contains(RedisCluster.slotOf("t" + i))) {
                return "t" + i;
            }
        }
    }
}
