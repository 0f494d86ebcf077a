package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.ProcessTree;
import io.hotset.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The base class's lifecycle, with shell scripts standing in for servers. */
class ServerProcessIT {

    /**
     * A "server" whose n-th launch (1-based) runs {@code sh -c script.apply(n)}; it is ready once the script
     * created the file {@code ready} in its working directory.
     */
    static final class ScriptServer extends ServerProcess {
        final AtomicInteger launches = new AtomicInteger();
        final IntFunction<String> script;

        ScriptServer(IntFunction<String> script, Duration timeout) throws IOException {
            super("script-server", TempDirs.create("hotset-test-", false), "server.log", 0, timeout);
            this.script = script;
        }

        @Override
        protected List<String> buildCommand() {
            try {
                Files.deleteIfExists(workDir().resolve("ready"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of("/bin/sh", "-c", script.apply(launches.incrementAndGet()));
        }

        @Override
        protected boolean isReady() {
            return Files.exists(workDir().resolve("ready"));
        }
    }

    @Test
    void notReadyInTimeFailsWithCommandAndLogTailAndKillsTheProcess() throws IOException {
        try (ScriptServer s = new ScriptServer(n -> "echo hello-from-script; exec sleep 600",
                Duration.ofSeconds(1))) {
            assertThatThrownBy(s::start)
                    .isInstanceOf(ServerStartException.class)
                    .hasMessageContaining("did not become ready")
                    .hasMessageContaining("within 1 s")
                    .hasMessageContaining("exec sleep 600")
                    .hasMessageContaining("hello-from-script");
            assertThat(s.isRunning()).isFalse();
            ProcessHandle.of(s.pid()).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
        }
    }

    @Test
    void earlyExitFailsWithExitCodeAndLog() throws IOException {
        try (ScriptServer s = new ScriptServer(n -> "echo boom-on-stderr >&2; exit 3", Duration.ofSeconds(10))) {
            assertThatThrownBy(s::start)
                    .isInstanceOf(ServerStartException.class)
                    .hasMessageContaining("exited with code 3")
                    .hasMessageContaining("boom-on-stderr");
            assertThat(s.launches.get()).as("not a port conflict: no retry").isEqualTo(1);
        }
    }

    @Test
    void killTakesDownDescendantsAndStartComesBack() throws Exception {
        try (ScriptServer s = new ScriptServer(n -> "sleep 600 & sleep 600 & touch ready; wait", Duration.ofSeconds(10))) {
            s.start();
            ProcessHandle root = ProcessHandle.of(s.pid()).orElseThrow();
            List<ProcessHandle> children = List.of();
            for (int i = 0; i < 100 && children.size() < 2; i++) {
                Thread.sleep(20);
                children = root.descendants().collect(Collectors.toList());
            }
            assertThat(children).hasSize(2);

            s.kill();

            assertThat(s.isRunning()).isFalse();
            assertThat(ProcessTree.isGone(root)).isTrue();
            assertThat(children).allSatisfy(h -> assertThat(ProcessTree.isGone(h)).isTrue());

            s.start();
            assertThat(s.isRunning()).isTrue();
            assertThat(s.pid()).isNotEqualTo(root.pid());
            s.kill(); // stop() would SIGTERM only sh and wait 5 s for the sleeps before SIGKILLing them
        }
    }

    @Test
    void firstStartRetriesOnANewPortWhenThePortIsTaken() throws IOException {
        try (ScriptServer s = new ScriptServer(
                n -> n <= 2 ? "echo 'bind: Address already in use'; exit 1" : "touch ready; exec sleep 600",
                Duration.ofSeconds(10))) {
            int firstPort = s.port();
            s.start();
            assertThat(s.launches.get()).isEqualTo(3);
            assertThat(s.port()).isNotEqualTo(firstPort);
            assertThat(s.isRunning()).isTrue();

            int port = s.port();
            s.kill();
            s.start();
            assertThat(s.port()).as("later starts keep the port").isEqualTo(port);
        }
    }

    @Test
    void givesUpAfterThreePortRetries() throws IOException {
        try (ScriptServer s = new ScriptServer(n -> "echo 'bind: Address already in use'; exit 1",
                Duration.ofSeconds(10))) {
            assertThatThrownBy(s::start)
                    .isInstanceOf(ServerStartException.class)
                    .hasMessageContaining("port already in use");
            assertThat(s.launches.get()).isEqualTo(1 + ServerProcess.PORT_RETRIES);
        }
    }

    @Test
    void closeStopsAndDeletesTheWorkDir() throws IOException {
        ScriptServer s = new ScriptServer(n -> "touch ready; exec sleep 600", Duration.ofSeconds(10));
        s.start();
        Path dir = s.workDir();
        long pid = s.pid();
        assertThat(Files.exists(s.logFile())).isTrue();

        s.close();
        s.close();

        assertThat(Files.exists(dir)).isFalse();
        ProcessHandle.of(pid).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
    }
}
