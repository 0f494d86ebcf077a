package io.hotset.testkit;

import io.hotset.testkit.internal.Binaries;
import io.hotset.testkit.internal.Resp;
import io.hotset.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A real {@code redis-server} on a free 127.0.0.1 port, without persistence, in its own temp directory
 * (its {@code --dir}). Use {@link WithRedis} in tests, or {@link #builder()} / {@link #startNew()} in
 * try-with-resources. {@link #command(String...)} is a tiny built-in client for assertions and setup.
 */
public final class RedisServer extends ServerProcess {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final Path executable;
    private final List<String> extraArgs;
    private final String password;

    private RedisServer(Builder b, Path executable, Path workDir) {
        super("redis-server", workDir, "redis.log", b.port, b.startupTimeout);
        this.executable = executable;
        this.extraArgs = List.copyOf(b.args);
        this.password = findPassword(extraArgs);
    }

    private static String findPassword(List<String> args) {
        String pw = null;
        for (int i = 0; i + 1 < args.size(); i++) {
            if ("--requirepass".equals(args.get(i))) {
                pw = args.get(i + 1);
            }
        }
        return pw == null || pw.isEmpty() ? null : pw;
    }

    /** A builder for a server with extra arguments, a fixed port or another executable. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a default server and returns it running; close it (try-with-resources) to stop it.
     *
     * @throws ServerStartException if it does not start
     */
    public static RedisServer startNew() {
        return builder().start();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + host() + ":" + port();
    }

    /** The password from a {@code --requirepass} argument, or null if the server needs none. */
    public String password() {
        return password;
    }

    /** The redis-server executable in use. */
    public Path executable() {
        return executable;
    }

    /** The extra arguments given to the builder, appended after the defaults. */
    public List<String> extraArgs() {
        return extraArgs;
    }

    /**
     * Sends one command over a fresh connection (authenticating first when {@code --requirepass} was set)
     * and returns the reply: {@code String} for simple and bulk strings, {@code Long} for integers,
     * {@code List<Object>} for arrays, {@code null} for nil.
     *
     * @throws RedisErrorException  if the reply, or any element of it, is an error
     * @throws UncheckedIOException if the server cannot be reached or the reply cannot be read
     */
    public Object command(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("empty Redis command");
        }
        String rendered = String.join(" ", Arrays.asList(args));
        try (Resp.Connection c = new Resp.Connection(host(), port(), CLIENT_TIMEOUT)) {
            if (password != null) {
                Object auth = c.call("AUTH", password);
                if (auth instanceof Resp.Error) {
                    throw new RedisErrorException(((Resp.Error) auth).message(), "AUTH");
                }
            }
            return unwrap(c.call(args), rendered);
        } catch (IOException e) {
            throw new UncheckedIOException("Redis command " + rendered + " to " + uri() + " failed: " + e.getMessage(), e);
        }
    }

    private static Object unwrap(Object reply, String command) {
        if (reply instanceof Resp.Error) {
            throw new RedisErrorException(((Resp.Error) reply).message(), command);
        }
        if (reply instanceof List) {
            List<?> items = (List<?>) reply;
            List<Object> out = new ArrayList<>(items.size());
            for (Object item : items) {
                out.add(unwrap(item, command));
            }
            return out;
        }
        return reply;
    }

    /** Deletes all keys of all databases ({@code FLUSHALL}). */
    public void flushAll() {
        command("FLUSHALL");
    }

    @Override
    protected List<String> buildCommand() {
        List<String> cmd = new ArrayList<>(List.of(
                executable.toString(),
                "--port", Integer.toString(port()),
                "--bind", host(),
                "--save", "",
                "--appendonly", "no",
                "--dir", workDir().toString(),
                "--daemonize", "no",
                "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** PING answers PONG and {@code INFO server} shows this process's PID (not some other server's). */
    @Override
    protected boolean isReady() throws IOException {
        try (Resp.Connection c = new Resp.Connection(host(), port(), PROBE_TIMEOUT)) {
            if (password != null && c.call("AUTH", password) instanceof Resp.Error) {
                return false;
            }
            if (!"PONG".equals(c.call("PING"))) {
                return false;
            }
            Object info = c.call("INFO", "server");
            if (!(info instanceof String)) {
                return true;
            }
            for (String line : ((String) info).split("\r?\n")) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim()) == pid();
                }
            }
            return true;
        }
    }

    /** Configures a {@link RedisServer}; {@link #build()} returns it stopped, {@link #start()} running. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private int port;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Path executable;

        private Builder() {
        }

        /**
         * Appends raw command-line arguments, e.g. {@code arg("--requirepass", "secret")} or
         * {@code arg("--maxmemory", "10mb")}. They come after the defaults, so they can override them.
         */
        public Builder arg(String... args) {
            for (String a : args) {
                this.args.add(Objects.requireNonNull(a, "arg"));
            }
            return this;
        }

        /** Appends all of {@code args}; see {@link #arg(String...)}. */
        public Builder args(List<String> args) {
            return arg(args.toArray(new String[0]));
        }

        /** Uses this port instead of a free one (no retry on another port if it is taken). */
        public Builder port(int port) {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** How long each start may take before it fails (default 30 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Uses this redis-server executable instead of looking it up. */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * Creates the server (temp dir, port) without starting it.
         *
         * @throws IllegalStateException if redis-server cannot be found
         */
        public RedisServer build() {
            Path exe = executable != null ? executable : Binaries.system().redisServer();
            Path dir;
            try {
                dir = TempDirs.create("hotset-redis-", false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp dir for redis-server", e);
            }
            try {
                return new RedisServer(this, exe, dir);
            } catch (RuntimeException e) {
                TempDirs.deleteQuietly(dir);
                throw e;
            }
        }

        /**
         * Creates and starts the server; on failure nothing is left behind.
         *
         * @throws ServerStartException if it does not start
         */
        public RedisServer start() {
            RedisServer server = build();
            try {
                server.start();
                return server;
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
    }
}
