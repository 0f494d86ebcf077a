package io.hotset.testkit;

import io.hotset.testkit.internal.Groups;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A real Redis Sentinel setup on 127.0.0.1: one master, one replica ({@code --replicaof} the master) and one
 * sentinel ({@code redis-server <dir>/redis.conf --sentinel}) monitoring the master under
 * {@link #masterName()} with quorum 1, {@code down-after-milliseconds} 1000 and {@code failover-timeout} 5000
 * by default. All three are {@link RedisServer}s in their own temp directories.
 *
 * <p>The sentinel runs with shorter internal periods, set with {@code SENTINEL DEBUG info-period 1000
 * publish-period 500} (runtime-only settings, re-applied by {@link #ensureRunning()} after a sentinel restart):
 * it polls its instances with {@code INFO} every second instead of every ten, and it turns an old master that
 * comes back as master into a replica after about 2 s instead of 8 s ({@code 4 * publish-period}).
 *
 * <p>Roles change at run time: {@link #master()} and {@link #replica()} ask the sentinel each time;
 * {@link #dataNodes()} are the two data servers in their original order. Instances are thread-safe.
 */
public final class RedisSentinelSetup implements AutoCloseable {
    /** Default name of the monitored master. */
    public static final String DEFAULT_MASTER_NAME = "mymaster";
    /** Default {@code sentinel down-after-milliseconds}. */
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofMillis(1000);
    /** Default {@code sentinel failover-timeout}. */
    public static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofMillis(5000);
    /** Default time to become {@linkplain #awaitStable() stable} or to finish a failover: 60 s. */
    public static final Duration DEFAULT_STABLE_TIMEOUT = Duration.ofSeconds(60);

    private static final long POLL_MILLIS = 100;

    private final String masterName;
    private final RedisServer first;
    private final RedisServer second;
    private final RedisServer sentinel;
    private final Duration stableTimeout;
    private long sentinelTunedPid;
    private boolean closed;

    private RedisSentinelSetup(String masterName, RedisServer first, RedisServer second, RedisServer sentinel,
            Duration stableTimeout) {
        this.masterName = masterName;
        this.first = first;
        this.second = second;
        this.sentinel = sentinel;
        this.stableTimeout = stableTimeout;
    }

    /** A builder for another master name, timeouts or data node arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a default setup and returns it {@linkplain #awaitStable() stable}; close it to stop it. */
    public static RedisSentinelSetup startNew() {
        return builder().start();
    }

    // ------------------------------------------------------------------ accessors

    /** The name the sentinel monitors the master under ({@code mymaster} by default). */
    public String masterName() {
        return masterName;
    }

    /** The sentinel process (a {@link RedisServer} in Sentinel mode). */
    public RedisServer sentinel() {
        return sentinel;
    }

    /** Always {@code 127.0.0.1}. */
    public String sentinelHost() {
        return sentinel.host();
    }

    /** The sentinel's port. */
    public int sentinelPort() {
        return sentinel.port();
    }

    /** {@code 127.0.0.1:<sentinel port>}, e.g. for Jedis' {@code JedisSentinelPool}. */
    public String sentinelAddress() {
        return sentinel.host() + ":" + sentinel.port();
    }

    /** {@code redis-sentinel://127.0.0.1:<sentinel port>#<master name>} (Lettuce's URI format). */
    public String sentinelUri() {
        return "redis-sentinel://" + sentinelAddress() + "#" + masterName;
    }

    /** The two data servers in their original order: the initial master, then the initial replica. */
    public List<RedisServer> dataNodes() {
        return List.of(first, second);
    }

    /**
     * The data server the sentinel currently reports as master ({@code SENTINEL get-master-addr-by-name}).
     *
     * @throws IllegalStateException if the sentinel is not running or reports an unknown address
     */
    public RedisServer master() {
        int port = reportedMasterPort();
        if (port == first.port()) {
            return first;
        }
        if (port == second.port()) {
            return second;
        }
        throw new IllegalStateException("sentinel reports master port " + port + ", which is not a data node of " + this);
    }

    /** The data server that is not {@link #master()}. */
    public RedisServer replica() {
        return master() == first ? second : first;
    }

    private int reportedMasterPort() {
        if (!sentinel.isRunning()) {
            throw new IllegalStateException("the sentinel of " + this + " is not running");
        }
        List<?> addr = (List<?>) sentinel.command("SENTINEL", "get-master-addr-by-name", masterName);
        if (addr == null) {
            throw new IllegalStateException("sentinel does not know master " + masterName);
        }
        return Integer.parseInt((String) addr.get(1));
    }

    // ------------------------------------------------------------------ state

    /**
     * Waits until the setup is healthy: the sentinel reports a running data server as master, which says
     * {@code ROLE master} and which the sentinel flags as plain {@code master} (no {@code s_down},
     * {@code o_down} or failover in progress); and, if the other data server runs, it replicates that master
     * with {@code master_link_status:up} and the sentinel lists it as a healthy replica (so a failover can
     * pick it).
     *
     * @throws IllegalStateException naming what is not healthy yet, on timeout
     */
    public void awaitStable() {
        await("the sentinel setup to become stable", stableTimeout, this::instability);
    }

    private String instability() {
        RedisServer m = master();
        if (!m.isRunning()) {
            return "sentinel still reports the stopped " + m + " as master";
        }
        if (!"master".equals(((List<?>) m.command("ROLE")).get(0))) {
            return m + " is reported as master but is not one yet";
        }
        Map<String, String> state = pairs(sentinel.command("SENTINEL", "master", masterName));
        if (!"master".equals(state.get("flags"))) {
            return "sentinel flags the master " + m + " as " + state.get("flags");
        }
        RedisServer r = m == first ? second : first;
        if (!r.isRunning()) {
            return null;
        }
        List<?> role = (List<?>) r.command("ROLE");
        if (!"slave".equals(role.get(0)) || Integer.parseInt(String.valueOf(role.get(2))) != m.port()) {
            return r + " does not replicate " + m + " yet: ROLE " + role;
        }
        String link = RedisCluster.infoField((String) r.command("INFO", "replication"), "master_link_status");
        if (!"up".equals(link)) {
            return r + " has master_link_status:" + link;
        }
        for (Object entry : (List<?>) sentinel.command("SENTINEL", "replicas", masterName)) {
            Map<String, String> replica = pairs(entry);
            if (Integer.toString(r.port()).equals(replica.get("port"))) {
                return "slave".equals(replica.get("flags")) && "ok".equals(replica.get("master-link-status"))
                        ? null : "sentinel flags replica " + r + " as " + replica.get("flags") + ", link "
                        + replica.get("master-link-status");
            }
        }
        return "sentinel does not list " + r + " as a replica yet";
    }

    /**
     * Waits until the replica has received everything the master had written when this method was called:
     * its {@code slave_repl_offset} reaches the master's {@code master_repl_offset} of that moment. Call it
     * before {@link #failover()} when the test needs the new master to hold all earlier writes (a Sentinel
     * failover does not wait for the replica to catch up). {@code WAIT} through
     * {@link RedisServer#command(String...)} cannot do this: every call uses a new connection, and {@code WAIT}
     * only counts the writes of its own connection.
     *
     * @throws IllegalStateException on timeout, or if the replica is not running
     */
    public void awaitReplicaCaughtUp() {
        RedisServer m = master();
        RedisServer r = m == first ? second : first;
        if (!r.isRunning()) {
            throw new IllegalStateException("the replica " + r + " is not running");
        }
        long target = Long.parseLong(RedisCluster.infoField((String) m.command("INFO", "replication"),
                "master_repl_offset"));
        await(r + " to reach replication offset " + target, stableTimeout, () -> {
            String info = (String) r.command("INFO", "replication");
            if (!"up".equals(RedisCluster.infoField(info, "master_link_status"))
                    || !Integer.toString(m.port()).equals(RedisCluster.infoField(info, "master_port"))) {
                return r + " is not linked to " + m;
            }
            long offset = Long.parseLong(RedisCluster.infoField(info, "slave_repl_offset"));
            return offset >= target ? null : r + " is at offset " + offset;
        });
    }

    /**
     * Forces a failover with {@code SENTINEL FAILOVER <name>} (retrying while the sentinel answers
     * {@code NOGOODSLAVE} or {@code INPROG}) and waits until the sentinel reports the old replica as master,
     * that server says {@code ROLE master} and the failover is over. The old master is turned into a
     * replica by the sentinel shortly after; {@link #awaitStable()} waits for that too.
     *
     * @return the new master
     */
    public RedisServer failover() {
        RedisServer oldMaster = master();
        RedisServer candidate = oldMaster == first ? second : first;
        await("SENTINEL FAILOVER " + masterName + " to be accepted", stableTimeout, () -> {
            try {
                sentinel.command("SENTINEL", "FAILOVER", masterName);
                return null;
            } catch (RedisErrorException e) {
                if (e.reply().startsWith("NOGOODSLAVE") || e.reply().startsWith("INPROG")) {
                    return e.reply();
                }
                throw e;
            }
        });
        awaitMaster(candidate);
        return candidate;
    }

    /**
     * Waits until the sentinel reports {@code expected} as master, it says {@code ROLE master} and no
     * failover is in progress; e.g. after {@code master().kill()} (down-after plus the failover itself).
     *
     * @throws IllegalStateException on timeout
     */
    public void awaitMaster(RedisServer expected) {
        if (expected != first && expected != second) {
            throw new IllegalArgumentException(expected + " is not a data node of " + this);
        }
        await(expected + " to be the master", stableTimeout, () -> {
            if (reportedMasterPort() != expected.port()) {
                return "sentinel reports port " + reportedMasterPort();
            }
            if (!"master".equals(((List<?>) expected.command("ROLE")).get(0))) {
                return expected + " is not a master yet";
            }
            String flags = pairs(sentinel.command("SENTINEL", "master", masterName)).get("flags");
            return "master".equals(flags) ? null : "sentinel flags the master as " + flags;
        });
    }

    /**
     * Starts whatever is not running (same ports; the sentinel keeps its rewritten config, data servers come
     * back empty with their original command line) and waits until the setup is {@linkplain #awaitStable()
     * stable}. Does nothing if all three run. {@link WithRedisSentinel} calls this before each test.
     */
    public synchronized void ensureRunning() {
        if (closed) {
            throw new IllegalStateException(this + " was closed");
        }
        boolean restarted = false;
        for (RedisServer s : List.of(first, second, sentinel)) {
            if (!s.isRunning()) {
                s.start();
                restarted = true;
            }
        }
        tuneSentinel();
        if (restarted) {
            awaitStable();
        }
    }

    /** Applies the fast INFO period once per sentinel process (it is a runtime-only setting). */
    private synchronized void tuneSentinel() {
        if (sentinel.pid() != sentinelTunedPid) {
            sentinel.command("SENTINEL", "DEBUG", "info-period", "1000", "publish-period", "500");
            sentinelTunedPid = sentinel.pid();
        }
    }

    /** Stops the sentinel and both data servers and deletes their directories. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Groups.closeAll(List.of(sentinel::close, second::close, first::close));
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "RedisSentinelSetup[" + masterName + ": data " + first.port() + "," + second.port() + ", sentinel "
                + sentinel.port() + "]";
    }

    // ------------------------------------------------------------------ helpers

    /** A flat [k1, v1, k2, v2, ...] reply as a map. */
    private static Map<String, String> pairs(Object reply) {
        Map<String, String> out = new HashMap<>();
        List<?> list = (List<?>) reply;
        for (int i = 0; i + 1 < list.size(); i += 2) {
            out.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
        }
        return out;
    }

    private static void await(String what, Duration timeout, Groups.Probe probe) {
        Groups.await(what, timeout, POLL_MILLIS, probe);
    }

    /** Configures a {@link RedisSentinelSetup}; {@link #start()} returns it running and stable. */
    public static final class Builder {
        private final List<String> nodeArgs = new ArrayList<>();
        private String masterName = DEFAULT_MASTER_NAME;
        private Duration downAfter = DEFAULT_DOWN_AFTER;
        private Duration failoverTimeout = DEFAULT_FAILOVER_TIMEOUT;
        private Duration startupTimeout = ServerProcess.DEFAULT_STARTUP_TIMEOUT;
        private Duration stableTimeout = DEFAULT_STABLE_TIMEOUT;
        private Path executable;

        private Builder() {
        }

        /** The name the sentinel monitors the master under (default {@code mymaster}). */
        public Builder masterName(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("master name must match [A-Za-z0-9._-]+: '" + name + "'");
            }
            this.masterName = name;
            return this;
        }

        /** {@code sentinel down-after-milliseconds} (default 1000 ms). */
        public Builder downAfter(Duration downAfter) {
            this.downAfter = positive(downAfter, "downAfter");
            return this;
        }

        /** {@code sentinel failover-timeout} (default 5000 ms). */
        public Builder failoverTimeout(Duration failoverTimeout) {
            this.failoverTimeout = positive(failoverTimeout, "failoverTimeout");
            return this;
        }

        /** Extra redis-server arguments for the two data servers (not the sentinel). */
        public Builder nodeArgs(String... args) {
            for (String a : args) {
                nodeArgs.add(Objects.requireNonNull(a, "arg"));
            }
            return this;
        }

        /** How long each process start may take (default 30 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long {@link #start()}, {@link RedisSentinelSetup#awaitStable()} and failovers may take (default 60 s). */
        public Builder stableTimeout(Duration timeout) {
            this.stableTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Uses this redis-server executable instead of looking it up. */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.toMillis() <= 0) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        private RedisServer.Builder server() {
            RedisServer.Builder b = RedisServer.builder().startupTimeout(startupTimeout);
            if (executable != null) {
                b.executable(executable);
            }
            return b;
        }

        /**
         * Starts master, replica and sentinel and waits until the setup is stable; on failure all of them are
         * closed.
         */
        public RedisSentinelSetup start() {
            List<RedisServer> started = new ArrayList<>();
            try {
                // Without the 5 s default delay a replica's full sync starts at once.
                RedisServer master = server().arg("--repl-diskless-sync-delay", "0").args(nodeArgs).build();
                started.add(master);
                master.start();
                RedisServer replica = server().arg("--repl-diskless-sync-delay", "0")
                        .arg("--replicaof", master.host(), Integer.toString(master.port())).args(nodeArgs).build();
                started.add(replica);
                replica.start();
                String config = "sentinel monitor " + masterName + " " + master.host() + " " + master.port() + " 1\n"
                        + "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis() + "\n"
                        + "sentinel failover-timeout " + masterName + " " + failoverTimeout.toMillis() + "\n";
                RedisServer sentinel = server().config(config).arg("--sentinel").build();
                started.add(sentinel);
                sentinel.start();
                RedisSentinelSetup setup = new RedisSentinelSetup(masterName, master, replica, sentinel, stableTimeout);
                setup.tuneSentinel();
                setup.awaitStable();
                return setup;
            } catch (RuntimeException e) {
                for (RedisServer s : started) {
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
