package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.hotset.testkit.internal.ProcessTree;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs deliberately failing test classes that use {@link WithRedisCluster}, {@link WithRedisSentinel} and
 * {@link WithPostgresReplicas} through an in-process JUnit launcher, and checks that every process was stopped
 * and every temp dir deleted afterwards. The victims are static nested classes, which Failsafe does not run itself.
 */
class GroupExtensionLifecycleIT {
    static final List<Object> SEEN = new CopyOnWriteArrayList<>();

    @WithRedisCluster(masters = 1)
    static class FailingClusterVictim {
        @Test
        void failsAfterKillingANode(RedisCluster cluster) {
            SEEN.add(cluster);
            cluster.nodes().get(0).kill();
            fail("deliberate failure");
        }

        @Test
        void throwsWithTheNodeBackUp(RedisCluster cluster) {
            SEEN.add(cluster);
            if (!cluster.nodes().get(0).isRunning()) {
                throw new AssertionError("the extension did not restart the killed node");
            }
            throw new IllegalStateException("deliberate error");
        }
    }

    @WithRedisSentinel
    static class FailingSentinelVictim {
        @Test
        void fails(RedisSentinelSetup setup) {
            SEEN.add(setup);
            fail("deliberate failure");
        }
    }

    @WithPostgresReplicas
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class FailingReplicaSetVictim {
        @Test
        @Order(1)
        void failsWithReplayPaused(PostgresReplicaSet set) {
            SEEN.add(set);
            set.pauseReplay(set.replica(0));
            fail("deliberate failure");
        }

        @Test
        @Order(2)
        void throwsAfterKillingTheReplica(PostgresReplicaSet set) {
            SEEN.add(set);
            if (set.isReplayPaused(set.replica(0))) {
                throw new AssertionError("the extension did not resume replay");
            }
            set.replica(0).kill();
            throw new IllegalStateException("deliberate error");
        }
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    private static void assertClosedAndGone(ServerProcess server) {
        assertThat(server.isClosed()).isTrue();
        assertThat(server.isRunning()).isFalse();
        ProcessHandle.of(server.pid()).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
        assertThat(Files.exists(server.workDir())).as("temp dir deleted").isFalse();
    }

    @Test
    void clusterIsClosedAfterTheClassEvenWhenItsTestsFail() {
        SEEN.clear();
        TestExecutionSummary summary = run(FailingClusterVictim.class);

        assertThat(summary.getTestsFoundCount()).isEqualTo(2);
        assertThat(summary.getTestsFailedCount()).isEqualTo(2);
        assertThat(summary.getFailures()).extracting(f -> f.getException().getMessage())
                .containsExactlyInAnyOrder("deliberate failure", "deliberate error");
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).as("one cluster per class").isSameAs(SEEN.get(1));
        RedisCluster cluster = (RedisCluster) SEEN.get(0);
        assertThat(cluster.isClosed()).isTrue();
        cluster.nodes().forEach(GroupExtensionLifecycleIT::assertClosedAndGone);
    }

    @Test
    void sentinelSetupIsClosedAfterTheClassEvenWhenItsTestsFail() {
        SEEN.clear();
        TestExecutionSummary summary = run(FailingSentinelVictim.class);

        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        assertThat(SEEN).hasSize(1);
        RedisSentinelSetup setup = (RedisSentinelSetup) SEEN.get(0);
        assertThat(setup.isClosed()).isTrue();
        List<RedisServer> all = new ArrayList<>(setup.dataNodes());
        all.add(setup.sentinel());
        all.forEach(GroupExtensionLifecycleIT::assertClosedAndGone);
    }

    @Test
    void replicaSetIsClosedAfterTheClassEvenWhenItsTestsFail() {
        SEEN.clear();
        TestExecutionSummary summary = run(FailingReplicaSetVictim.class);

        assertThat(summary.getTestsFoundCount()).isEqualTo(2);
        assertThat(summary.getTestsFailedCount()).isEqualTo(2);
        assertThat(summary.getFailures()).extracting(f -> f.getException().getMessage())
                .containsExactlyInAnyOrder("deliberate failure", "deliberate error");
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).as("one replica set per class").isSameAs(SEEN.get(1));
        PostgresReplicaSet set = (PostgresReplicaSet) SEEN.get(0);
        assertThat(set.isClosed()).isTrue();
        assertThat(set.nodes()).hasSize(2);
        set.nodes().forEach(GroupExtensionLifecycleIT::assertClosedAndGone);
    }
}
