package io.hotset.testkit;

import io.hotset.testkit.internal.Groups;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A real PostgreSQL primary with streaming replicas on 127.0.0.1, for tests of read-replica routing, replica
 * lag and logical decoding (CDC). Every node is a {@link PostgresServer} in its own temp directory:
 *
 * <ul>
 *   <li>the <b>primary</b> runs with {@code wal_level=logical}, {@code max_wal_senders=10},
 *       {@code max_replication_slots=10}, {@code hot_standby_feedback=on} and {@code wal_keep_size=128MB}, so
 *       it accepts {@code CREATE PUBLICATION} and {@code pgoutput} logical replication slots;</li>
 *   <li>each <b>replica</b> is cloned from the running primary with
 *       {@code pg_basebackup -h 127.0.0.1 -p <primary> -U hotset -D <data dir> -R -X stream -c fast -N}
 *       ({@link PostgresServer.Builder#replicaOf(PostgresServer)}), listens on its own port and runs with
 *       {@code hot_standby=on}, {@code hot_standby_feedback=on}, {@code cluster_name=hotset_replica_<i>} (the
 *       {@code application_name} in the primary's {@code pg_stat_replication}),
 *       {@code wal_retrieve_retry_interval=500ms} (reconnects quickly after the primary restarts) and
 *       {@code wal_receiver_status_interval=1s}; {@code primary_conninfo} comes from {@code -R}.</li>
 * </ul>
 *
 * <p>All nodes share the role {@code hotset} (password {@code hotset}) and the database {@code hotset}: the
 * replicas have them from the base backup. {@link #pauseReplay}/{@link #resumeReplay} inject lag; the nodes
 * themselves can be stopped, killed ({@code kill -9}) and started again like any {@link ServerProcess}: a
 * restarted replica runs crash recovery and resumes streaming from the primary. Instances are thread-safe.
 */
public final class PostgresReplicaSet implements AutoCloseable {
    /** Default number of replicas: 1. */
    public static final int DEFAULT_REPLICAS = 1;
    /** Default time the waiting methods ({@link #awaitCaughtUp(PostgresServer)}, ...) may take: 30 s. */
    public static final Duration DEFAULT_AWAIT_TIMEOUT = Duration.ofSeconds(30);
    /** Prefix of the replicas' {@code cluster_name}, followed by the 1-based replica number. */
    public static final String REPLICA_NAME_PREFIX = "hotset_replica_";

    private static final long POLL_MILLIS = 50;

    private final PostgresServer primary;
    private final List<PostgresServer> replicas;
    private final Duration awaitTimeout;
    private boolean closed;

    private PostgresReplicaSet(PostgresServer primary, List<PostgresServer> replicas, Duration awaitTimeout) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        this.awaitTimeout = awaitTimeout;
    }

    /** A builder for more replicas, settings or timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a primary with one streaming replica; close it (try-with-resources) to stop both. */
    public static PostgresReplicaSet startNew() {
        return builder().start();
    }

    // ------------------------------------------------------------------ accessors

    /** The primary (read-write). */
    public PostgresServer primary() {
        return primary;
    }

    /** The replicas in creation order (read-only hot standbys). */
    public List<PostgresServer> replicas() {
        return replicas;
    }

    /** Replica number {@code index} (0-based). */
    public PostgresServer replica(int index) {
        return replicas.get(index);
    }

    /** The primary followed by the replicas. */
    public List<PostgresServer> nodes() {
        List<PostgresServer> all = new ArrayList<>();
        all.add(primary);
        all.addAll(replicas);
        return List.copyOf(all);
    }

    /** The database on every node: {@value PostgresServer#DATABASE}. */
    public String database() {
        return PostgresServer.DATABASE;
    }

    /** The role on every node: {@value PostgresServer#USER}. */
    public String user() {
        return PostgresServer.USER;
    }

    /** The password of {@link #user()}: {@value PostgresServer#PASSWORD}. */
    public String password() {
        return PostgresServer.PASSWORD;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<primary port>/hotset}. */
    public String primaryJdbcUrl() {
        return primary.jdbcUrl();
    }

    /** The replicas' JDBC URLs, comma-separated: {@code jdbc:postgresql://127.0.0.1:<r1>/hotset,jdbc:...}. */
    public String replicaJdbcUrls() {
        return replicas.stream().map(PostgresServer::jdbcUrl).collect(Collectors.joining(","));
    }

    /**
     * One PgJDBC multi-host URL for all nodes, primary first:
     * {@code jdbc:postgresql://127.0.0.1:<primary>,127.0.0.1:<r1>,.../hotset}. Append
     * {@code ?targetServerType=primary|secondary|preferSecondary} (and {@code loadBalanceHosts=true}) to let the
     * driver pick a node by role.
     */
    public String multiHostJdbcUrl() {
        return "jdbc:postgresql://" + nodes().stream().map(n -> n.host() + ":" + n.port())
                .collect(Collectors.joining(",")) + "/" + PostgresServer.DATABASE;
    }

    // ------------------------------------------------------------------ WAL positions and lag

    /** The primary's {@code pg_current_wal_lsn()}, e.g. {@code "0/3000148"}. */
    public String primaryLsn() {
        return primary.psql("SELECT pg_current_wal_lsn()");
    }

    /**
     * The replica's {@code pg_last_wal_replay_lsn()}: the end of the last WAL record it applied (what its
     * queries can see).
     */
    public String replayLsn(PostgresServer replica) {
        return nonNullLsn(checkReplica(replica).psql("SELECT pg_last_wal_replay_lsn()"), replica, "replay");
    }

    /** The replica's {@code pg_last_wal_receive_lsn()}: how far it has received (and flushed) WAL. */
    public String receiveLsn(PostgresServer replica) {
        return nonNullLsn(checkReplica(replica).psql("SELECT pg_last_wal_receive_lsn()"), replica, "receive");
    }

    /**
     * How many bytes of WAL the replica has not applied yet: {@link #primaryLsn()} minus
     * {@link #replayLsn(PostgresServer)}, the replay position being read first (so the result is never
     * negative). 0 when the replica has replayed everything the primary had written when this was called.
     */
    public long lagBytes(PostgresServer replica) {
        long replay = parseLsn(replayLsn(replica));
        long current = parseLsn(primaryLsn());
        return Math.max(0, current - replay);
    }

    /**
     * The byte position of an LSN in PostgreSQL's text form {@code "X/Y"} (two hex numbers): {@code X << 32 | Y}.
     * The difference of two positions is the number of WAL bytes between them (like {@code pg_wal_lsn_diff}).
     */
    public static long parseLsn(String lsn) {
        String s = Objects.requireNonNull(lsn, "lsn").trim();
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1) {
            throw new IllegalArgumentException("not an LSN (X/Y in hex): '" + lsn + "'");
        }
        try {
            return Long.parseLong(s.substring(0, slash), 16) << 32 | Long.parseLong(s.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (X/Y in hex): '" + lsn + "'", e);
        }
    }

    // ------------------------------------------------------------------ lag injection

    /**
     * Pauses WAL replay on the replica ({@code SELECT pg_wal_replay_pause()}) and waits until
     * {@code pg_get_wal_replay_pause_state()} says {@code paused}. The replica keeps receiving WAL but applies
     * none of it, so its queries see the data as of this moment and {@link #lagBytes} grows with every write
     * on the primary. A restart of the replica ends the pause.
     */
    public void pauseReplay(PostgresServer replica) {
        checkReplica(replica).psql("SELECT pg_wal_replay_pause()");
        await(replica + " to pause replay", awaitTimeout, () -> {
            String state = replayPauseState(replica);
            return state.equals("paused") ? null : "pause state is '" + state + "'";
        });
    }

    /** Resumes WAL replay on the replica ({@code SELECT pg_wal_replay_resume()}); harmless if not paused. */
    public void resumeReplay(PostgresServer replica) {
        checkReplica(replica).psql("SELECT pg_wal_replay_resume()");
    }

    /** Whether replay on the replica is paused or a pause was requested. */
    public boolean isReplayPaused(PostgresServer replica) {
        return !replayPauseState(checkReplica(replica)).equals("not paused");
    }

    private static String replayPauseState(PostgresServer replica) {
        return replica.psql("SELECT pg_get_wal_replay_pause_state()");
    }

    // ------------------------------------------------------------------ waiting

    /** {@link #awaitCaughtUp(PostgresServer, Duration)} with the set's await timeout (default 30 s). */
    public void awaitCaughtUp(PostgresServer replica) {
        awaitCaughtUp(replica, awaitTimeout);
    }

    /**
     * Waits until the replica has replayed everything the primary had written when this method was called:
     * {@link #replayLsn} &gt;= the {@link #primaryLsn()} read at the start. Afterwards the replica sees every
     * transaction the primary had committed before the call.
     *
     * @throws IllegalStateException on timeout (e.g. while replay is paused), or if the replica is not running
     */
    public void awaitCaughtUp(PostgresServer replica, Duration timeout) {
        checkReplica(replica);
        if (!replica.isRunning()) {
            throw new IllegalStateException("the replica " + replica + " is not running");
        }
        String targetText = primaryLsn();
        long target = parseLsn(targetText);
        await(replica + " to replay up to " + targetText, timeout, () -> {
            String replay = replayLsn(replica);
            if (parseLsn(replay) >= target) {
                return null;
            }
            return "replay LSN " + replay + ", receive LSN " + receiveLsn(replica) + ", pause state '"
                    + replayPauseState(replica) + "', " + walReceiverState(replica);
        });
    }

    /** Waits until every running replica has caught up with the primary (see {@link #awaitCaughtUp}). */
    public void awaitCaughtUp() {
        for (PostgresServer r : replicas) {
            if (r.isRunning()) {
                awaitCaughtUp(r, awaitTimeout);
            }
        }
    }

    /**
     * Waits until the replica's WAL receiver is connected to the primary: {@code pg_stat_wal_receiver} reports
     * status {@code streaming} with the primary's port. After a restart of the replica or of the primary this
     * takes up to {@code wal_retrieve_retry_interval} (500 ms) plus the time to reconnect.
     *
     * @throws IllegalStateException on timeout, or if the replica or the primary is not running
     */
    public void awaitStreaming(PostgresServer replica, Duration timeout) {
        checkReplica(replica);
        if (!replica.isRunning() || !primary.isRunning()) {
            throw new IllegalStateException("cannot stream: " + replica + " from " + primary);
        }
        await(replica + " to stream from " + primary, timeout, () -> {
            String state = walReceiverState(replica);
            return state.equals("streaming from port " + primary.port()) ? null : state;
        });
    }

    /** Waits until every replica streams from the primary (see {@link #awaitStreaming(PostgresServer, Duration)}). */
    public void awaitStreaming() {
        for (PostgresServer r : replicas) {
            awaitStreaming(r, awaitTimeout);
        }
    }

    private static String walReceiverState(PostgresServer replica) {
        String row = replica.psql("SELECT status || ' from port ' || sender_port FROM pg_stat_wal_receiver");
        return row.isEmpty() ? "no WAL receiver" : row;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts every node that is not running (the primary first; same ports, same data), resumes replay on
     * every replica and waits until all replicas stream from the primary. {@link WithPostgresReplicas} calls
     * this before each test.
     */
    public synchronized void ensureRunning() {
        if (closed) {
            throw new IllegalStateException(this + " was closed");
        }
        primary.start();
        for (PostgresServer r : replicas) {
            r.start();
        }
        for (PostgresServer r : replicas) {
            if (isReplayPaused(r)) {
                resumeReplay(r);
            }
        }
        awaitStreaming();
    }

    /** Stops the replicas, then the primary, and deletes their directories. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Groups.Closer> order = new ArrayList<>();
        replicas.forEach(r -> order.add(r::close));
        order.add(primary::close);
        Groups.closeAll(order);
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "PostgresReplicaSet[primary " + primary.port() + ", replicas "
                + replicas.stream().map(r -> Integer.toString(r.port())).collect(Collectors.joining(",")) + "]";
    }

    // ------------------------------------------------------------------ helpers

    private PostgresServer checkReplica(PostgresServer replica) {
        if (!replicas.contains(Objects.requireNonNull(replica, "replica"))) {
            throw new IllegalArgumentException(replica + " is not a replica of " + this);
        }
        return replica;
    }

    private static String nonNullLsn(String lsn, PostgresServer replica, String what) {
        if (lsn.isEmpty()) {
            throw new IllegalStateException(replica + " reports no " + what + " LSN (is it a replica?)");
        }
        return lsn;
    }

    private static void await(String what, Duration timeout, Groups.Probe probe) {
        Groups.await(what, timeout, POLL_MILLIS, probe);
    }

    /** Configures a {@link PostgresReplicaSet}; {@link #start()} returns it running with every replica streaming. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> primarySettings = new LinkedHashMap<>();
        private final Map<String, String> replicaSettings = new LinkedHashMap<>();
        private int replicas = DEFAULT_REPLICAS;
        private Duration startupTimeout = ServerProcess.DEFAULT_STARTUP_TIMEOUT;
        private Duration awaitTimeout = DEFAULT_AWAIT_TIMEOUT;
        private Path binDir;

        private Builder() {
        }

        /** Number of streaming replicas, 1 to 8 (default 1). */
        public Builder replicas(int count) {
            if (count < 1 || count > 8) {
                throw new IllegalArgumentException("replicas must be between 1 and 8: " + count);
            }
            this.replicas = count;
            return this;
        }

        /**
         * A setting ({@code -c name=value}) for every node, applied after the defaults. Settings a standby must
         * match or exceed ({@code max_connections}, {@code max_wal_senders}, ...) belong here.
         */
        public Builder setting(String name, String value) {
            settings.put(checkName(name), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds all of {@code settings} for every node; see {@link #setting(String, String)}. */
        public Builder settings(Map<String, String> settings) {
            settings.forEach(this::setting);
            return this;
        }

        /** A setting for the primary only, applied after the settings for every node. */
        public Builder primarySetting(String name, String value) {
            primarySettings.put(checkName(name), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A setting for the replicas only, applied after the settings for every node. */
        public Builder replicaSetting(String name, String value) {
            replicaSettings.put(checkName(name), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** How long each node start may take (default 30 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long {@link #start()}, {@link PostgresReplicaSet#ensureRunning()} and the await methods wait (default 30 s). */
        public Builder awaitTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("awaitTimeout must be positive: " + timeout);
            }
            this.awaitTimeout = timeout;
            return this;
        }

        /** Uses the PostgreSQL installation in this bin directory (it needs {@code pg_basebackup} too). */
        public Builder binDir(Path binDir) {
            this.binDir = Objects.requireNonNull(binDir, "binDir");
            return this;
        }

        private static String checkName(String name) {
            if (Objects.requireNonNull(name, "name").isBlank() || name.contains("=")) {
                throw new IllegalArgumentException("invalid setting name: '" + name + "'");
            }
            return name.trim();
        }

        private static Map<String, String> commonDefaults() {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("wal_level", "logical");
            s.put("max_wal_senders", "10");
            s.put("max_replication_slots", "10");
            s.put("hot_standby_feedback", "on");
            s.put("wal_keep_size", "128MB");
            return s;
        }

        private PostgresServer.Builder node() {
            PostgresServer.Builder b = PostgresServer.builder().startupTimeout(startupTimeout);
            if (binDir != null) {
                b.binDir(binDir);
            }
            return b;
        }

        /**
         * Starts the primary, clones and starts the replicas and waits until they all stream; on failure every
         * node is closed.
         */
        public PostgresReplicaSet start() {
            List<PostgresServer> started = new ArrayList<>();
            try {
                PostgresServer primary = node().settings(commonDefaults()).settings(settings)
                        .settings(primarySettings).build();
                started.add(primary);
                primary.start();
                List<PostgresServer> replicaList = new ArrayList<>();
                for (int i = 1; i <= replicas; i++) {
                    PostgresServer replica = node().replicaOf(primary).settings(commonDefaults())
                            .setting("cluster_name", REPLICA_NAME_PREFIX + i)
                            .setting("wal_retrieve_retry_interval", "500ms")
                            .setting("wal_receiver_status_interval", "1s")
                            .settings(settings).settings(replicaSettings).build();
                    started.add(replica);
                    replicaList.add(replica);
                    replica.start();
                }
                PostgresReplicaSet set = new PostgresReplicaSet(primary, replicaList, awaitTimeout);
                set.awaitStreaming();
                return set;
            } catch (RuntimeException e) {
                for (PostgresServer s : started) {
                    try {
                        e.addSuppressed(new IllegalStateException(s + " log:\n" + s.logTail(15)));
                    } catch (RuntimeException ignored) {
                        // best effort
                    }
                    s.close();
                }
                throw e;
            }
        }
    }
}
