package io.hotset.testkit;

import io.hotset.testkit.internal.Binaries;
import io.hotset.testkit.internal.Exec;
import io.hotset.testkit.internal.Os;
import io.hotset.testkit.internal.ProcessTree;
import io.hotset.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A real PostgreSQL server (postmaster) on a free 127.0.0.1 port with a fresh cluster in a temp directory,
 * configured for logical decoding and replication ({@code wal_level=logical}) and tuned for tests
 * ({@code fsync=off}, {@code full_page_writes=off}; commits still survive {@link #kill()} because
 * {@code synchronous_commit} stays on). After the first start it has a superuser role {@code hotset} (password
 * {@code hotset}) owning database {@code hotset}.
 *
 * <p>When the JVM runs as root the cluster belongs to the {@code postgres} system user and every server
 * binary runs through {@code setpriv} (which execs, so {@link #pid()} is the postmaster's PID).
 *
 * <p>A server built with {@link Builder#replicaOf(PostgresServer)} is a <em>streaming replica</em> (hot standby):
 * its first start runs {@code pg_basebackup -R -X stream} from the running primary instead of {@code initdb},
 * so it has the primary's roles and databases, and it only counts as ready once it is in recovery. See
 * {@link PostgresReplicaSet} for a primary with replicas and lag injection.
 */
public final class PostgresServer extends ServerProcess {
    /** The role created after the first start (LOGIN SUPERUSER REPLICATION). */
    public static final String USER = "hotset";
    /** The password of {@link #USER} (authentication is {@code trust} anyway). */
    public static final String PASSWORD = "hotset";
    /** The database created after the first start, owned by {@link #USER}. */
    public static final String DATABASE = "hotset";
    /** The bootstrap superuser created by initdb. */
    public static final String SUPERUSER = "postgres";
    /** The OS user the server runs as when the JVM runs as root. */
    public static final String OS_USER = "postgres";

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(300);
    private static final String REPLICATION_HBA = "host    replication     all             127.0.0.1/32            trust";

    private final Path binDir;
    private final boolean asRoot;
    private final Path setpriv;
    private final Map<String, String> extraSettings;
    private final Path dataDir;
    private final Path socketDir;
    private final PostgresServer upstream;
    private volatile boolean pgStatStatements;

    private PostgresServer(Builder b, Path binDir, boolean asRoot, Path setpriv, Path workDir) {
        super(b.upstream == null ? "postgres" : "postgres-replica", workDir, "postgres.log", b.port, b.startupTimeout);
        this.upstream = b.upstream;
        this.binDir = binDir;
        this.asRoot = asRoot;
        this.setpriv = setpriv;
        this.extraSettings = Collections.unmodifiableMap(new LinkedHashMap<>(b.settings));
        this.dataDir = workDir.resolve("data");
        this.socketDir = workDir.resolve("sock");
    }

    /** A builder for a server with extra settings, a fixed port or another PostgreSQL installation. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a default server and returns it running; close it (try-with-resources) to stop it.
     *
     * @throws ServerStartException if it does not start
     */
    public static PostgresServer startNew() {
        return builder().start();
    }

    /** The database tests should use: {@value #DATABASE}. */
    public String database() {
        return DATABASE;
    }

    /** The role tests should use: {@value #USER}. */
    public String user() {
        return USER;
    }

    /** The password of {@link #user()}: {@value #PASSWORD}. */
    public String password() {
        return PASSWORD;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/hotset}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + DATABASE;
    }

    /** Whether this is a streaming replica ({@link Builder#replicaOf(PostgresServer)}). */
    public boolean isReplica() {
        return upstream != null;
    }

    /** The server this replica was cloned from and streams from; empty for a primary. */
    public Optional<PostgresServer> upstream() {
        return Optional.ofNullable(upstream);
    }

    /** The PostgreSQL bin directory in use (postgres, initdb, psql, pg_isready, ...). */
    public Path binDir() {
        return binDir;
    }

    /** The cluster's data directory ({@code PGDATA}); it survives stop/kill/start until {@link #close()}. */
    public Path dataDir() {
        return dataDir;
    }

    /** The directory holding the Unix-domain socket. */
    public Path socketDir() {
        return socketDir;
    }

    /** Whether the server runs as the {@code postgres} OS user via setpriv because the JVM runs as root. */
    public boolean runsAsPostgresUser() {
        return asRoot;
    }

    /** Whether {@code pg_stat_statements} is in {@code shared_preload_libraries} (when the installation has it). */
    public boolean preloadsPgStatStatements() {
        return pgStatStatements;
    }

    /** The {@code -c name=value} settings given to the builder, applied after (and over) the defaults. */
    public Map<String, String> extraSettings() {
        return extraSettings;
    }

    /**
     * Runs {@code sql} (one or more statements) with psql as {@link #user()} on {@link #database()}, stopping
     * at the first error, and returns stdout in unaligned tuples-only form ({@code |}-separated columns,
     * one row per line) without the trailing newline.
     *
     * @throws PsqlException if psql fails; the message holds its stderr
     */
    public String psql(String sql) {
        return runPsql(USER, DATABASE, sql);
    }

    private String runPsql(String user, String db, String sql) {
        List<String> cmd = List.of(binDir.resolve("psql").toString(), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-h", host(), "-p", Integer.toString(port()), "-U", user, "-d", db,
                "-f", "-");
        Exec.Result r;
        try {
            r = Exec.run(cmd, workDir(), env -> {
                clientEnv(env);
                env.put("PGPASSWORD", PASSWORD);
            }, sql, PSQL_TIMEOUT);
        } catch (IOException e) {
            throw new PsqlException("psql could not run on " + host() + ":" + port() + ": " + e.getMessage(), -1, "");
        }
        if (r.exitCode() != 0) {
            throw new PsqlException("psql as " + user + " on " + host() + ":" + port() + "/" + db + " failed (exit "
                    + r.exitCode() + ") running:\n  " + sql.strip() + "\n" + r.stderr().strip(), r.exitCode(), r.stderr());
        }
        String out = r.stdout();
        while (out.endsWith("\n") || out.endsWith("\r")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }

    private static void clientEnv(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("PGCONNECT_TIMEOUT", "10");
    }

    private List<String> asServerUser(List<String> cmd) {
        if (!asRoot) {
            return cmd;
        }
        List<String> wrapped = new ArrayList<>(List.of(setpriv.toString(),
                "--reuid=" + OS_USER, "--regid=" + OS_USER, "--init-groups", "--"));
        wrapped.addAll(cmd);
        return wrapped;
    }

    @Override
    protected void prepare() throws IOException {
        Files.createDirectories(socketDir);
        if (asRoot) {
            TempDirs.chownRecursively(workDir(), OS_USER, OS_USER);
        }
        if (upstream != null) {
            baseBackup();
        } else {
            initdb();
        }
        pgStatStatements = pgStatStatementsAvailable();
    }

    /**
     * Clones the running upstream into {@link #dataDir()}: {@code pg_basebackup -R} writes
     * {@code primary_conninfo} to {@code postgresql.auto.conf} and creates {@code standby.signal};
     * {@code -X stream} includes the WAL needed to reach consistency; {@code -c fast} asks for an immediate
     * checkpoint (a spread one can take minutes); {@code -N} skips fsync like {@code initdb --no-sync}.
     */
    private void baseBackup() throws IOException {
        if (!upstream.isRunning()) {
            throw new IOException("the primary " + upstream + " must be running to clone a replica from it");
        }
        Path tool = binDir.resolve("pg_basebackup");
        if (!Os.isExecutableFile(tool)) {
            throw new IOException(tool + " not found; it is part of the PostgreSQL server/client packages ("
                    + Binaries.INSTALL_SCRIPT + ")");
        }
        List<String> cmd = asServerUser(List.of(tool.toString(), "-h", upstream.host(),
                "-p", Integer.toString(upstream.port()), "-U", USER, "-D", dataDir.toString(),
                "-R", "-X", "stream", "-c", "fast", "-N"));
        Exec.Result r = Exec.run(cmd, workDir(), PostgresServer::clientEnv, null, TOOL_TIMEOUT);
        Files.writeString(workDir().resolve("basebackup.log"), r.stdout() + r.stderr(), StandardCharsets.UTF_8);
        if (r.exitCode() != 0) {
            throw new IOException("pg_basebackup failed with exit code " + r.exitCode() + "\n  command: "
                    + render(cmd) + "\n" + (r.stdout() + r.stderr()).strip());
        }
        if (!Files.exists(dataDir.resolve("standby.signal"))) {
            throw new IOException("pg_basebackup -R did not create " + dataDir.resolve("standby.signal"));
        }
    }

    private void initdb() throws IOException {
        List<String> initdb = asServerUser(List.of(binDir.resolve("initdb").toString(),
                "-D", dataDir.toString(), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"));
        Exec.Result r = Exec.run(initdb, workDir(), env -> env.keySet().removeIf(k -> k.startsWith("PG")), null,
                TOOL_TIMEOUT);
        Files.writeString(workDir().resolve("initdb.log"), r.stdout() + r.stderr(), StandardCharsets.UTF_8);
        if (r.exitCode() != 0) {
            throw new IOException("initdb failed with exit code " + r.exitCode() + "\n  command: "
                    + render(initdb) + "\n" + (r.stdout() + r.stderr()).strip());
        }
        Path hba = dataDir.resolve("pg_hba.conf");
        boolean present = Files.readAllLines(hba, StandardCharsets.UTF_8).stream()
                .map(l -> l.trim().split("\\s+"))
                .anyMatch(f -> f.length >= 5 && f[0].equals("host") && f[1].equals("replication")
                        && f[2].equals("all") && f[3].equals("127.0.0.1/32") && f[4].equals("trust"));
        if (!present) {
            Files.writeString(hba, "\n# hotset-testkit: streaming replicas\n" + REPLICATION_HBA + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
    }

    private boolean pgStatStatementsAvailable() {
        Path pgConfig = binDir.resolve("pg_config");
        if (!Os.isExecutableFile(pgConfig)) {
            return false;
        }
        try {
            Exec.Result r = Exec.run(List.of(pgConfig.toString(), "--sharedir", "--pkglibdir"), workDir(), null, null,
                    TOOL_TIMEOUT);
            String[] lines = r.stdout().strip().split("\r?\n");
            if (r.exitCode() != 0 || lines.length < 2) {
                return false;
            }
            return Files.exists(Path.of(lines[0].trim(), "extension", "pg_stat_statements.control"))
                    && Files.exists(Path.of(lines[1].trim(), "pg_stat_statements.so"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    protected List<String> buildCommand() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", host());
        settings.put("wal_level", "logical");
        settings.put("max_wal_senders", "10");
        settings.put("max_replication_slots", "10");
        settings.put("fsync", "off");
        // Not "off": with synchronous_commit=off a commit returns before its WAL leaves shared memory, so
        // kill() (a postmaster crash) loses the last commits. With fsync=off, "on" costs one write() per commit.
        settings.put("synchronous_commit", "on");
        settings.put("full_page_writes", "off");
        if (pgStatStatements) {
            settings.put("shared_preload_libraries", "pg_stat_statements");
        }
        if (upstream != null) {
            settings.put("hot_standby", "on");
        }
        settings.putAll(extraSettings);
        List<String> cmd = new ArrayList<>(List.of(binDir.resolve("postgres").toString(),
                "-D", dataDir.toString(), "-p", Integer.toString(port()), "-k", socketDir.toString()));
        settings.forEach((k, v) -> {
            cmd.add("-c");
            cmd.add(k + "=" + v);
        });
        return asServerUser(cmd);
    }

    @Override
    protected void configureEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(k -> k.startsWith("PG"));
    }

    /**
     * {@code pg_isready} exits 0, and {@code postmaster.pid} names this process and says "ready" (or
     * "standby"), so that another server that happens to hold the port is not mistaken for this one. A replica
     * must also answer {@code SELECT pg_is_in_recovery()} with true.
     */
    @Override
    protected boolean isReady() throws IOException {
        Exec.Result r = Exec.run(List.of(binDir.resolve("pg_isready").toString(), "-q", "-h", host(),
                "-p", Integer.toString(port()), "-t", "2"), workDir(), PostgresServer::clientEnv, null,
                Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            return false;
        }
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(Long.toString(pid()))) {
            return false;
        }
        if (lines.size() >= 8) {
            String status = lines.get(7).trim();
            if (!status.equals("ready") && !status.equals("standby")) {
                return false;
            }
        }
        return upstream == null || "t".equals(psql("SELECT pg_is_in_recovery()"));
    }

    /** Creates the role and database on a primary; a replica has them from its base backup. */
    @Override
    protected void afterFirstStart() {
        if (upstream != null) {
            return;
        }
        runPsql(SUPERUSER, "postgres",
                "CREATE ROLE " + USER + " LOGIN SUPERUSER REPLICATION PASSWORD '" + PASSWORD + "';\n"
                        + "CREATE DATABASE " + DATABASE + " OWNER " + USER + ";\n");
    }

    /** Fast shutdown (SIGINT): a smart shutdown (SIGTERM) would wait for every client to disconnect. */
    @Override
    protected void requestStop(ProcessHandle handle) {
        if (!ProcessTree.signal(handle.pid(), "INT")) {
            handle.destroy();
        }
    }

    /** Configures a {@link PostgresServer}; {@link #build()} returns it stopped, {@link #start()} running. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private int port;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Path binDir;
        private PostgresServer upstream;

        private Builder() {
        }

        /**
         * Adds a server setting passed as {@code -c name=value}, e.g. {@code setting("max_connections", "50")}.
         * Applied after the defaults, so it can override them.
         */
        public Builder setting(String name, String value) {
            if (Objects.requireNonNull(name, "name").isBlank() || name.contains("=")) {
                throw new IllegalArgumentException("invalid setting name: '" + name + "'");
            }
            settings.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds all of {@code settings}; see {@link #setting(String, String)}. */
        public Builder settings(Map<String, String> settings) {
            settings.forEach(this::setting);
            return this;
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

        /**
         * Makes the server a streaming replica (hot standby) of {@code primary}, which must be running when this
         * server starts for the first time: instead of {@code initdb}, the first start runs
         * {@code pg_basebackup -h 127.0.0.1 -p <primary port> -U hotset -D <data dir> -R -X stream -c fast -N}
         * (as the {@code postgres} user when root) and starts the copy with {@code hot_standby=on}; the server is
         * ready once it accepts connections and {@code pg_is_in_recovery()} is true. Later starts reuse the
         * data directory and resume streaming from the primary. Unless {@link #binDir(Path)} is given, the
         * primary's installation is used. Give a replica at least the primary's values of
         * {@code max_connections}, {@code max_worker_processes}, {@code max_wal_senders},
         * {@code max_prepared_transactions} and {@code max_locks_per_transaction}, or it refuses to start.
         */
        public Builder replicaOf(PostgresServer primary) {
            this.upstream = Objects.requireNonNull(primary, "primary");
            return this;
        }

        /** Uses the PostgreSQL installation in this bin directory instead of looking it up. */
        public Builder binDir(Path binDir) {
            this.binDir = Objects.requireNonNull(binDir, "binDir");
            return this;
        }

        /**
         * Creates the server (temp dir, port) without starting it; the cluster is created by the first start.
         *
         * @throws IllegalStateException if PostgreSQL, or (as root) setpriv or the postgres user, is missing
         */
        public PostgresServer build() {
            Path bin = binDir != null ? binDir
                    : upstream != null ? upstream.binDir() : Binaries.system().postgresBinDir();
            boolean root = Os.isRoot();
            Path setpriv = null;
            if (root) {
                setpriv = Binaries.setpriv();
                try {
                    Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
                } catch (IOException e) {
                    throw new IllegalStateException("the tests run as root, which PostgreSQL refuses, and there is no '"
                            + OS_USER + "' system user to run it as. Install PostgreSQL with "
                            + Binaries.INSTALL_SCRIPT + " (it creates that user), or run the tests as a non-root user.", e);
                }
            }
            Path dir;
            try {
                dir = TempDirs.create("hotset-pg-", root);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp dir for PostgreSQL", e);
            }
            try {
                return new PostgresServer(this, bin, root, setpriv, dir);
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
        public PostgresServer start() {
            PostgresServer server = build();
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
