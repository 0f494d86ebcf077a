package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.ProcessTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithRedis
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisServerIT {
    private static RedisServer fromBeforeAll;
    private static long killedByEarlierTest;

    private final RedisServer fromConstructor;

    RedisServerIT(RedisServer redis) {
        this.fromConstructor = redis;
    }

    @BeforeAll
    static void captureServer(RedisServer redis) {
        fromBeforeAll = redis;
    }

    /** Sends an inline PING over a raw socket, as a client without this kit would. */
    static String rawPing(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    static void assertConnectionRefused(int port) {
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    static void assertGone(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> assertThat(ProcessTree.isGone(h)).as("pid %d gone", pid).isTrue());
    }

    @Test
    @Order(1)
    void injectsOneRunningServerIntoConstructorLifecycleAndTestMethods(RedisServer redis) throws IOException {
        assertThat(redis).isSameAs(fromConstructor).isSameAs(fromBeforeAll);
        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.host()).isEqualTo("127.0.0.1");
        assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        // Debian's redis-server is a symlink (to redis-check-rdb), so compare files, not names.
        assertThat(ProcessHandle.of(redis.pid()).flatMap(h -> h.info().command()))
                .hasValueSatisfying(cmd -> assertThat(Path.of(cmd)).satisfies(
                        p -> assertThat(Files.isSameFile(p, redis.executable())).isTrue()));
        assertThat(rawPing(redis.port())).isEqualTo("+PONG");
        assertThat(redis.command("CONFIG", "GET", "bind")).isEqualTo(List.of("bind", "127.0.0.1"));
        assertThat(redis.command("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
        assertThat(redis.command("CONFIG", "GET", "dir")).isEqualTo(List.of("dir", redis.workDir().toString()));
    }

    @Test
    @Order(2)
    void commandParsesReplies(RedisServer redis) {
        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(redis.command("SET", "greeting", "héllo wörld")).isEqualTo("OK");
        assertThat(redis.command("GET", "greeting")).isEqualTo("héllo wörld");
        assertThat(redis.command("GET", "missing")).isNull();
        assertThat(redis.command("INCR", "counter")).isEqualTo(1L);
        assertThat(redis.command("RPUSH", "list", "a", "b", "c")).isEqualTo(3L);
        assertThat(redis.command("LRANGE", "list", "0", "-1")).isEqualTo(List.of("a", "b", "c"));
        assertThatThrownBy(() -> redis.command("NOSUCHCOMMAND", "x"))
                .isInstanceOf(RedisErrorException.class)
                .hasMessageContaining("NOSUCHCOMMAND")
                .satisfies(e -> assertThat(((RedisErrorException) e).reply()).startsWith("ERR"));
        redis.flushAll();
        assertThat(redis.command("DBSIZE")).isEqualTo(0L);
    }

    @Test
    @Order(3)
    void killThenStartOnTheSamePort(RedisServer redis) throws IOException {
        redis.command("SET", "k", "v");
        long pid = redis.pid();
        int port = redis.port();

        redis.kill();

        assertThat(redis.isRunning()).isFalse();
        assertGone(pid);
        assertConnectionRefused(port);

        redis.start();

        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.pid()).isNotEqualTo(pid);
        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(rawPing(port)).isEqualTo("+PONG");
        assertThat(redis.command("GET", "k")).as("no persistence configured").isNull();
    }

    @Test
    @Order(4)
    void stopThenStartAndRestart(RedisServer redis) {
        long pid = redis.pid();
        int port = redis.port();

        redis.stop();

        assertThat(redis.isRunning()).isFalse();
        assertGone(pid);
        assertConnectionRefused(port);
        assertThat(redis.logTail(20)).contains("ready to exit");

        redis.start();
        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.command("PING")).isEqualTo("PONG");

        long beforeRestart = redis.pid();
        redis.restart();
        assertThat(redis.pid()).isNotEqualTo(beforeRestart);
        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.command("PING")).isEqualTo("PONG");
    }

    @Test
    @Order(5)
    void killWithoutRestart(RedisServer redis) {
        killedByEarlierTest = redis.pid();
        redis.kill();
        assertThat(redis.isRunning()).isFalse();
    }

    @Test
    @Order(6)
    void extensionRestartsAServerAnEarlierTestLeftDown(RedisServer redis) {
        assertThat(killedByEarlierTest).as("the previous test ran").isPositive();
        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.pid()).isNotEqualTo(killedByEarlierTest);
        assertThat(redis.command("PING")).isEqualTo("PONG");
    }

    @Test
    @Order(7)
    void builderArgsAndTryWithResources(RedisServer classServer) throws IOException {
        RedisServer secured;
        long pid;
        try (RedisServer s = RedisServer.builder().arg("--requirepass", "s3cret").arg("--maxmemory", "10mb").start()) {
            secured = s;
            pid = s.pid();
            assertThat(s.port()).isNotEqualTo(classServer.port());
            assertThat(s.password()).isEqualTo("s3cret");
            assertThat(rawPing(s.port())).startsWith("-NOAUTH");
            assertThat(s.command("PING")).isEqualTo("PONG");
            assertThat(s.command("CONFIG", "GET", "maxmemory")).isEqualTo(List.of("maxmemory", "10485760"));
        }
        assertThat(secured.isRunning()).isFalse();
        assertThat(secured.isClosed()).isTrue();
        assertGone(pid);
        assertThat(Files.exists(secured.workDir())).isFalse();
        assertThatThrownBy(secured::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    @Order(8)
    void takenFixedPortFailsWithCommandAndLogInTheMessage() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> RedisServer.builder().port(port).start())
                    .isInstanceOf(ServerStartException.class)
                    .hasMessageContaining("exited with code")
                    .hasMessageContaining("--port " + port)
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    @Order(9)
    void startNewGivesARunningServer() {
        try (RedisServer s = RedisServer.startNew()) {
            assertThat(s.isRunning()).isTrue();
            assertThat(s.command("ECHO", "hi")).isEqualTo("hi");
        }
    }

    @Nested
    class NestedTests {
        @Test
        void nestedClassSharesTheEnclosingClassServer(RedisServer redis) {
            assertThat(redis).isSameAs(fromBeforeAll);
            assertThat(redis.command("PING")).isEqualTo("PONG");
        }
    }
}
