package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.hotset.testkit.internal.ProcessTree;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs deliberately failing test classes through an in-process JUnit launcher and checks what the
 * extension did with their servers. The victims are static nested classes, which Failsafe does not run itself.
 */
class ExtensionLifecycleIT {
    static final List<RedisServer> SEEN = new CopyOnWriteArrayList<>();

    @WithRedis
    static class FailingVictim {
        @Test
        void failsAnAssertion(RedisServer redis) {
            SEEN.add(redis);
            fail("deliberate failure");
        }

        @Test
        void killsTheServerAndThrows(RedisServer redis) {
            SEEN.add(redis);
            redis.kill();
            throw new IllegalStateException("deliberate error after kill");
        }
    }

    @WithRedis
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassVictim {
        private final RedisServer fromConstructor;

        PerClassVictim(RedisServer redis) {
            this.fromConstructor = redis;
        }

        @BeforeEach
        void beforeEach(RedisServer redis) {
            SEEN.add(redis);
            if (redis != fromConstructor || !redis.isRunning()) {
                throw new IllegalStateException("constructor and lifecycle method got different or stopped servers");
            }
        }

        @Test
        void works(RedisServer redis) {
            SEEN.add(redis);
            if (!"PONG".equals(redis.command("PING"))) {
                throw new IllegalStateException("no PONG");
            }
        }
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    private static void assertClosedAndGone(RedisServer server) {
        assertThat(server.isClosed()).isTrue();
        assertThat(server.isRunning()).isFalse();
        ProcessHandle.of(server.pid()).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
        assertThat(Files.exists(server.workDir())).as("temp dir deleted").isFalse();
    }

    @Test
    void serverIsClosedAfterTheClassEvenWhenItsTestsFail() {
        SEEN.clear();
        TestExecutionSummary summary = run(FailingVictim.class);

        assertThat(summary.getTestsFoundCount()).isEqualTo(2);
        assertThat(summary.getTestsFailedCount()).isEqualTo(2);
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).as("one server per class").isSameAs(SEEN.get(1));
        assertClosedAndGone(SEEN.get(0));
    }

    @Test
    void perClassLifecycleGetsTheServerInjectedIntoTheConstructor() {
        SEEN.clear();
        TestExecutionSummary summary = run(PerClassVictim.class);

        assertThat(summary.getFailures()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
        assertClosedAndGone(SEEN.get(0));
    }
}
