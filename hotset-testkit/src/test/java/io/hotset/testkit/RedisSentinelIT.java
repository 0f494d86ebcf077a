package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithRedisSentinel(masterName = "hotset-master")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelIT {
    private static long killedSentinelPid;

    static List<?> reportedMaster(RedisSentinelSetup setup) {
        return (List<?>) setup.sentinel().command("SENTINEL", "get-master-addr-by-name", setup.masterName());
    }

    static Object role(RedisServer server) {
        return ((List<?>) server.command("ROLE")).get(0);
    }

    @Test
    @Order(1)
    void sentinelReportsTheMasterAndKnowsTheReplica(RedisSentinelSetup setup) {
        RedisServer first = setup.dataNodes().get(0);
        RedisServer second = setup.dataNodes().get(1);
        assertThat(setup.masterName()).isEqualTo("hotset-master");
        assertThat(reportedMaster(setup)).isEqualTo(List.of("127.0.0.1", Integer.toString(first.port())));
        assertThat(setup.master()).isSameAs(first);
        assertThat(setup.replica()).isSameAs(second);
        assertThat(role(first)).isEqualTo("master");
        assertThat(role(second)).isEqualTo("slave");
        assertThat(setup.sentinelUri()).isEqualTo("redis-sentinel://127.0.0.1:" + setup.sentinelPort() + "#hotset-master");
        assertThat(setup.sentinelAddress()).isEqualTo("127.0.0.1:" + setup.sentinelPort());
        assertThat(setup.sentinel().command("INFO", "sentinel").toString())
                .contains("sentinel_masters:1").contains("name=hotset-master,status=ok");
        assertThat(setup.sentinel().command("SENTINEL", "DEBUG").toString()).contains("INFO-PERIOD, 1000").contains("PUBLISH-PERIOD, 500");
        assertThat(Files.exists(setup.sentinel().configFile())).isTrue();

        assertThat(first.command("SET", "k", "v")).isEqualTo("OK");
        setup.awaitReplicaCaughtUp();
        assertThat(second.command("GET", "k")).isEqualTo("v");
        assertThatThrownBy(() -> second.command("SET", "k", "w"))
                .isInstanceOf(RedisErrorException.class).hasMessageContaining("READONLY");
    }

    @Test
    @Order(2)
    void forcedFailoverMakesTheReplicaTheMaster(RedisSentinelSetup setup) {
        RedisServer oldMaster = setup.master();
        RedisServer oldReplica = setup.replica();
        setup.awaitReplicaCaughtUp();

        RedisServer newMaster = setup.failover();

        assertThat(newMaster).isSameAs(oldReplica);
        assertThat(reportedMaster(setup)).isEqualTo(List.of("127.0.0.1", Integer.toString(oldReplica.port())));
        assertThat(setup.master()).isSameAs(oldReplica);
        assertThat(role(oldReplica)).isEqualTo("master");
        assertThat(oldReplica.command("GET", "k")).as("data replicated before the failover").isEqualTo("v");
        assertThat(oldReplica.command("SET", "after", "failover")).isEqualTo("OK");

        setup.awaitStable();
        assertThat(role(oldMaster)).as("the sentinel demoted the old master").isEqualTo("slave");
        assertThat(setup.replica()).isSameAs(oldMaster);
        setup.awaitReplicaCaughtUp();
        assertThat(oldMaster.command("GET", "after")).isEqualTo("failover");
    }

    @Test
    @Order(3)
    void killedMasterIsFailedOverAutomatically(RedisSentinelSetup setup) {
        RedisServer master = setup.master();
        RedisServer replica = setup.replica();

        master.kill();
        setup.awaitMaster(replica);

        assertThat(reportedMaster(setup)).isEqualTo(List.of("127.0.0.1", Integer.toString(replica.port())));
        assertThat(role(replica)).isEqualTo("master");

        master.start();
        setup.awaitStable();
        assertThat(role(master)).isEqualTo("slave");
        assertThat(setup.master()).isSameAs(replica);
    }

    @Test
    @Order(4)
    void killTheSentinel(RedisSentinelSetup setup) {
        killedSentinelPid = setup.sentinel().pid();
        setup.sentinel().kill();
        assertThat(setup.sentinel().isRunning()).isFalse();
        assertThatThrownBy(setup::master).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
    }

    @Test
    @Order(5)
    void extensionRestartsTheSentinelWhichRemembersTheCurrentMaster(RedisSentinelSetup setup) {
        assertThat(killedSentinelPid).as("the previous test ran").isPositive();
        assertThat(setup.sentinel().pid()).isNotEqualTo(killedSentinelPid);
        assertThat(setup.master()).as("after two failovers the first node is master again")
                .isSameAs(setup.dataNodes().get(0));
        assertThat(setup.sentinel().command("SENTINEL", "DEBUG").toString()).contains("INFO-PERIOD, 1000").contains("PUBLISH-PERIOD, 500");
    }
}
