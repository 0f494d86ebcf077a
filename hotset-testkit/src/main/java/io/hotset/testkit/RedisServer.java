package io.hotset.testkit;

import io.hotset.testkit.internal.Binaries;
import io.hotset.testkit.internal.Resp;
import io.hotset.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

/**
 * A real {@code redis-server} on a free 127.0.0.1 port, without persistence, in its own temp directory
 * (its {@code --dir}). Use {@link WithRedis} in tests, or {@link #builder()} / {@link #startNew()} in
 * try-with-resources. {@link #command(String...)} is a tiny built-in client for assertions and setup.
 *
 * <p>The builder can also make it a TLS server ({@link Builder#tls()}), add ACL users
 * ({@link Builder#aclUser(String, String)}), start it from a config file ({@link Builder#config(String)}, e.g. for
 * Sentinel) or make it a cluster node ({@link Builder#clusterNode(Duration)}, used by {@link RedisCluster}).
 */
public final class RedisServer extends ServerProcess {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    /** Name of the config file written by {@link Builder#config(String)} into the work dir. */
    public static final String CONFIG_FILE_NAME = "redis.conf";
    /** Name of the cluster config file of a {@linkplain Builder#clusterNode(Duration) cluster node}, in its work dir. */
    public static final String CLUSTER_CONFIG_FILE_NAME = "nodes.conf";

    private final Path executable;
    private final List<String> extraArgs;
    private final String password;
    private final TlsMaterial tls;
    private final Map<String, String> aclUsers;
    private final Path configFile;
    private final Duration clusterNodeTimeout;
    private volatile int clusterBusPort;
    private int clusterBusPortFor;

    private RedisServer(Builder b, Path executable, Path workDir, TlsMaterial tls) {
        super("redis-server", workDir, "redis.log", b.port, b.startupTimeout);
        this.executable = executable;
        this.extraArgs = List.copyOf(b.args);
        this.password = findPassword(extraArgs);
        this.tls = tls;
        this.aclUsers = Collections.unmodifiableMap(new LinkedHashMap<>(b.aclUsers));
        this.configFile = b.config == null ? null : workDir.resolve(CONFIG_FILE_NAME);
        this.clusterNodeTimeout = b.clusterNodeTimeout;
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

    /** {@code redis://127.0.0.1:<port>}, or {@code rediss://127.0.0.1:<port>} for a {@linkplain #isTls() TLS} server. */
    public String uri() {
        return (tls != null ? "rediss://" : "redis://") + host() + ":" + port();
    }

    /** Whether the server only accepts TLS connections ({@link Builder#tls()}); {@link #port()} is then the TLS port. */
    public boolean isTls() {
        return tls != null;
    }

    /** The certificates of a {@linkplain #isTls() TLS} server, or null for a plain one. */
    public TlsMaterial tlsMaterial() {
        return tls;
    }

    /**
     * The PEM file of the CA that signed the server certificate; clients must trust it.
     *
     * @throws IllegalStateException if this is not a TLS server
     */
    public Path caCertificate() {
        if (tls == null) {
            throw new IllegalStateException(this + " does not use TLS; build it with RedisServer.builder().tls()");
        }
        return tls.caCertificate();
    }

    /** The ACL users added with {@link Builder#aclUser(String, String)}: name to password, in order. */
    public Map<String, String> aclUsers() {
        return aclUsers;
    }

    /** The config file given as first argument ({@link Builder#config(String)}), or null. */
    public Path configFile() {
        return configFile;
    }

    /** Whether this is a cluster node ({@link Builder#clusterNode(Duration)}). */
    public boolean isClusterNode() {
        return clusterNodeTimeout != null;
    }

    /** The cluster bus port of a {@linkplain #isClusterNode() cluster node} ({@code --cluster-port}), else 0. */
    public int clusterBusPort() {
        return clusterBusPort;
    }

    /** The {@code --cluster-node-timeout} of a {@linkplain #isClusterNode() cluster node}, else null. */
    public Duration clusterNodeTimeout() {
        return clusterNodeTimeout;
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
        return call(null, password, args);
    }

    /**
     * Like {@link #command(String...)}, but authenticates first with {@code AUTH user password} (an ACL user,
     * e.g. one from {@link Builder#aclUser(String, String)}).
     *
     * @throws RedisErrorException if authentication fails ({@link RedisErrorException#reply()} starts with
     *                             {@code WRONGPASS}) or the command fails
     */
    public Object commandAs(String user, String password, String... args) {
        return call(Objects.requireNonNull(user, "user"), Objects.requireNonNull(password, "password"), args);
    }

    private Object call(String user, String pass, String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("empty Redis command");
        }
        String rendered = String.join(" ", Arrays.asList(args));
        try (Resp.Connection c = connect(CLIENT_TIMEOUT, user, pass)) {
            return unwrap(c.call(args), rendered);
        } catch (IOException e) {
            throw new UncheckedIOException("Redis command " + rendered + " to " + uri() + " failed: " + e.getMessage(), e);
        }
    }

    /** A new connection (TLS if configured), authenticated with the {@code --requirepass} password if any. */
    Resp.Connection connect() throws IOException {
        return connect(CLIENT_TIMEOUT, null, password);
    }

    /**
     * A new connection (TLS if configured); sends {@code AUTH [user] password} first when {@code password}
     * is not null.
     *
     * @throws RedisErrorException if AUTH fails (the connection is closed)
     */
    Resp.Connection connect(Duration timeout, String user, String pass) throws IOException {
        SSLSocketFactory factory = tls == null ? null : tls.sslContext().getSocketFactory();
        Resp.Connection c = new Resp.Connection(host(), port(), timeout, factory);
        if (pass != null) {
            try {
                Object auth = user == null ? c.call("AUTH", pass) : c.call("AUTH", user, pass);
                if (auth instanceof Resp.Error) {
                    throw new RedisErrorException(((Resp.Error) auth).message(),
                            user == null ? "AUTH <password>" : "AUTH " + user + " <password>");
                }
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** Turns error replies (also nested ones) into {@link RedisErrorException}. */
    static Object unwrap(Object reply, String command) {
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
    protected void prepare() throws IOException {
        if (configFile != null && !Files.exists(configFile)) {
            throw new IOException("config file " + configFile + " is missing");
        }
    }

    @Override
    protected List<String> buildCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        if (configFile != null) {
            cmd.add(configFile.toString());
        }
        if (tls == null) {
            cmd.addAll(List.of("--port", Integer.toString(port())));
        } else {
            cmd.addAll(List.of("--port", "0",
                    "--tls-port", Integer.toString(port()),
                    "--tls-cert-file", tls.certificate().toString(),
                    "--tls-key-file", tls.privateKey().toString(),
                    "--tls-ca-cert-file", tls.caCertificate().toString(),
                    "--tls-auth-clients", "no"));
        }
        cmd.addAll(List.of(
                "--bind", host(),
                "--save", "",
                "--appendonly", "no",
                "--dir", workDir().toString(),
                "--daemonize", "no",
                "--protected-mode", "no"));
        aclUsers.forEach((user, pass) -> cmd.addAll(List.of("--user", user, "on", ">" + pass, "~*", "&*", "+@all")));
        if (clusterNodeTimeout != null) {
            if (clusterBusPort == 0 || clusterBusPortFor != port()) {
                // A first start that moves to another port after a conflict also gets a new bus port.
                clusterBusPort = FreePorts.next();
                clusterBusPortFor = port();
            }
            cmd.addAll(List.of(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", workDir().resolve(CLUSTER_CONFIG_FILE_NAME).toString(),
                    "--cluster-node-timeout", Long.toString(clusterNodeTimeout.toMillis()),
                    "--cluster-port", Integer.toString(clusterBusPort)));
        }
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** PING answers PONG and {@code INFO server} shows this process's PID (not some other server's). */
    @Override
    protected boolean isReady() throws IOException {
        try (Resp.Connection c = connect(PROBE_TIMEOUT, null, password)) {
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
        private final Map<String, String> aclUsers = new LinkedHashMap<>();
        private int port;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Path executable;
        private boolean tls;
        private TlsMaterial tlsMaterial;
        private String config;
        private Duration clusterNodeTimeout;

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
         * Serves TLS only: {@link #build()} generates a throwaway CA and a server certificate for
         * {@code 127.0.0.1}/{@code localhost} with {@code openssl} into {@code <workDir>/tls} (see
         * {@link TlsMaterial}), and the server runs with {@code --port 0 --tls-port <port>
         * --tls-auth-clients no}. {@link RedisServer#port()} is then the TLS port and {@link RedisServer#uri()}
         * starts with {@code rediss://}.
         */
        public Builder tls() {
            this.tls = true;
            this.tlsMaterial = null;
            return this;
        }

        /** Like {@link #tls()}, but with existing certificates (e.g. one CA shared by several servers). */
        public Builder tls(TlsMaterial material) {
            this.tls = true;
            this.tlsMaterial = Objects.requireNonNull(material, "material");
            return this;
        }

        /**
         * Adds an ACL user with all permissions, as {@code ACL SETUSER <user> on ><password> ~* &* +@all}
         * would. It is passed as a {@code --user} directive, so it exists as soon as the server accepts
         * connections and again after every restart. The {@code default} user is left alone (it keeps
         * {@code nopass}, or the {@code --requirepass} password).
         *
         * @throws IllegalArgumentException for the user {@code default} (use {@code --requirepass}) or names
         *                                  with whitespace
         */
        public Builder aclUser(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isEmpty() || user.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("ACL user name must be non-empty without whitespace: '" + user + "'");
            }
            if ("default".equals(user)) {
                throw new IllegalArgumentException("use arg(\"--requirepass\", password) to protect the default user");
            }
            aclUsers.put(user, password);
            return this;
        }

        /**
         * Writes {@code text} to {@code <workDir>/redis.conf} and passes that file as the first argument
         * (before the defaults and {@link #arg(String...) args}, which override it). A server in Sentinel mode
         * needs this: {@code config("sentinel monitor ...").arg("--sentinel")}. The file is written once; a
         * restart reuses it (with whatever the server rewrote into it).
         */
        public Builder config(String text) {
            this.config = Objects.requireNonNull(text, "text");
            return this;
        }

        /**
         * Makes the server a cluster node: {@code --cluster-enabled yes --cluster-config-file
         * <workDir>/nodes.conf --cluster-node-timeout <ms> --cluster-port <free port>}. The bus port stays the
         * same across restarts. {@link RedisCluster} builds its nodes this way and joins them.
         */
        public Builder clusterNode(Duration nodeTimeout) {
            Objects.requireNonNull(nodeTimeout, "nodeTimeout");
            if (nodeTimeout.toMillis() <= 0) {
                throw new IllegalArgumentException("nodeTimeout must be positive: " + nodeTimeout);
            }
            this.clusterNodeTimeout = nodeTimeout;
            return this;
        }

        /**
         * Creates the server (temp dir, port) without starting it.
         *
         * @throws IllegalStateException if redis-server (or, for {@link #tls()}, openssl) cannot be found
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
                TlsMaterial material = !tls ? null
                        : tlsMaterial != null ? tlsMaterial : TlsMaterial.generate(dir.resolve("tls"));
                if (config != null) {
                    Files.writeString(dir.resolve(CONFIG_FILE_NAME), config, StandardCharsets.UTF_8);
                }
                return new RedisServer(this, exe, dir, material);
            } catch (IOException e) {
                TempDirs.deleteQuietly(dir);
                throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG_FILE_NAME), e);
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
