package io.hotset.testkit;

import io.hotset.testkit.internal.Groups;
import io.hotset.testkit.internal.Resp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on 127.0.0.1: {@code masters} master nodes (default 3) and {@code replicasPerMaster}
 * replicas of each (default 0), every one a {@link RedisServer} {@linkplain RedisServer.Builder#clusterNode
 * cluster node} with its own port, cluster bus port, {@code nodes.conf} and temp directory.
 *
 * <p>{@link Builder#start()} starts the nodes, spreads the 16384 slots evenly over the masters
 * ({@code CLUSTER ADDSLOTSRANGE}), gives every node its own config epoch, joins them
 * ({@code CLUSTER MEET}), attaches the replicas ({@code CLUSTER REPLICATE}) and returns once the cluster is
 * {@linkplain #awaitStable() stable}. Use {@link WithRedisCluster} in tests.
 *
 * <p>Fault injection: {@link #failover(RedisServer)} (a coordinated {@code CLUSTER FAILOVER}),
 * {@link #migrateSlot(int, RedisServer)} (the real resharding protocol, safe while clients read and write),
 * and {@link ServerProcess#kill()} / {@link ServerProcess#stop()} of any node followed by
 * {@link #awaitStable()} (a killed master with a replica is replaced after the node timeout). A restarted
 * node keeps its port, bus port and node ID, but no data (no persistence).
 *
 * <p>Roles change at run time, so {@link #masters()}, {@link #replicas()} and {@link #nodeForSlot(int)} ask the
 * running nodes each time. Instances are thread-safe.
 */
public final class RedisCluster implements AutoCloseable {
    /** Number of hash slots. */
    public static final int SLOTS = 16384;
    /** Default {@code --cluster-node-timeout}: 2 seconds. */
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofMillis(2000);
    /** Default time the cluster has to form or to become {@linkplain #awaitStable() stable} again: 60 s. */
    public static final Duration DEFAULT_STABLE_TIMEOUT = Duration.ofSeconds(60);
    /** Keys moved per {@code MIGRATE} by {@link #migrateSlot(int, RedisServer)}. */
    public static final int MIGRATE_BATCH = 100;

    private static final int MAX_REDIRECTS = 16;
    private static final long POLL_MILLIS = 100;
    private static final int MIGRATE_TIMEOUT_MILLIS = 10_000;
    private static final Set<String> BAD_FLAGS = Set.of("fail", "fail?", "handshake", "noaddr");

    private final List<RedisServer> nodes;
    private final int masterCount;
    private final int replicasPerMaster;
    private final Duration nodeTimeout;
    private final Duration stableTimeout;
    private final Map<RedisServer, String> ids = new ConcurrentHashMap<>();
    private volatile RedisServer[] slotCache;
    private boolean closed;

    private RedisCluster(Builder b, List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
        this.masterCount = b.masters;
        this.replicasPerMaster = b.replicasPerMaster;
        this.nodeTimeout = b.nodeTimeout;
        this.stableTimeout = b.stableTimeout;
    }

    /** A builder for a cluster with other sizes, node timeout or node arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a default cluster (3 masters, no replicas) and returns it stable; close it to stop it.
     *
     * @throws ServerStartException if a node does not start
     * @throws IllegalStateException if the cluster does not become stable in time
     */
    public static RedisCluster startNew() {
        return builder().start();
    }

    // ------------------------------------------------------------------ formation

    private void form() {
        for (RedisServer node : nodes) {
            node.start();
        }
        for (RedisServer node : nodes) {
            ids.put(node, (String) node.command("CLUSTER", "MYID"));
        }
        List<int[]> ranges = slotRanges(masterCount);
        for (int i = 0; i < masterCount; i++) {
            int[] r = ranges.get(i);
            nodes.get(i).command("CLUSTER", "ADDSLOTSRANGE", Integer.toString(r[0]), Integer.toString(r[1]));
        }
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
        }
        RedisServer first = nodes.get(0);
        for (RedisServer node : nodes.subList(1, nodes.size())) {
            first.command("CLUSTER", "MEET", node.host(), Integer.toString(node.port()),
                    Integer.toString(node.clusterBusPort()));
        }
        await("all " + nodes.size() + " nodes to know each other", stableTimeout, this::unjoined);
        for (int m = 0; m < masterCount; m++) {
            String masterId = ids.get(nodes.get(m));
            for (int r = 0; r < replicasPerMaster; r++) {
                nodes.get(masterCount + m * replicasPerMaster + r).command("CLUSTER", "REPLICATE", masterId);
            }
        }
        awaitStable(stableTimeout);
    }

    /** Splits the slots over {@code n} masters the way {@code redis-cli --cluster create} does. */
    static List<int[]> slotRanges(int n) {
        List<int[]> ranges = new ArrayList<>();
        double perNode = (double) SLOTS / n;
        double cursor = 0;
        int first = 0;
        for (int i = 0; i < n; i++) {
            int last = (int) Math.round(cursor + perNode - 1);
            if (last > SLOTS - 1 || i == n - 1) {
                last = SLOTS - 1;
            }
            ranges.add(new int[] {first, last});
            first = last + 1;
            cursor += perNode;
        }
        return ranges;
    }

    private String unjoined() {
        for (RedisServer node : nodes) {
            List<NodeLine> view = clusterNodes(node);
            if (view.size() != nodes.size()) {
                return node + " knows " + view.size() + " of " + nodes.size() + " nodes";
            }
            for (NodeLine l : view) {
                if (l.hasAny(BAD_FLAGS) || !"connected".equals(l.linkState)) {
                    return node + " sees " + l.id + " as " + l.flags + "/" + l.linkState;
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ stability

    /**
     * Waits (up to the builder's {@code stableTimeout}, default 60 s) until the cluster is stable: every
     * running node reports {@code cluster_state:ok}; all running nodes agree on who owns each of the 16384 slots
     * and on every running node's role; every slot is owned by a running node; no running node sees another
     * running node as failing or in handshake; and every running replica's link to its master is up. After a
     * {@code kill()} of a master that has a replica, this waits for the automatic failover (a few node timeouts).
     *
     * @throws IllegalStateException naming what is still unstable, on timeout
     */
    public void awaitStable() {
        awaitStable(stableTimeout);
    }

    /** {@link #awaitStable()} with another timeout. */
    public void awaitStable(Duration timeout) {
        await("the cluster to become stable", timeout, this::instability);
        slotCache = null;
    }

    /** Why the cluster is not stable, or null if it is. */
    private String instability() {
        List<RedisServer> running = running();
        if (running.isEmpty()) {
            return "no node is running";
        }
        Map<String, RedisServer> runningById = new HashMap<>();
        for (RedisServer n : running) {
            runningById.put(id(n), n);
        }
        String[] referenceSlots = null;
        Map<String, String> referenceRoles = null;
        RedisServer reference = null;
        for (RedisServer n : running) {
            String state = infoField((String) n.command("CLUSTER", "INFO"), "cluster_state");
            if (!"ok".equals(state)) {
                return n + " reports cluster_state:" + state;
            }
            List<NodeLine> view = clusterNodes(n);
            Map<String, String> roles = new HashMap<>();
            String[] slots = new String[SLOTS];
            for (NodeLine l : view) {
                if (runningById.containsKey(l.id)) {
                    if (l.hasAny(BAD_FLAGS)) {
                        return n + " sees running node " + runningById.get(l.id) + " as " + l.flags;
                    }
                    roles.put(l.id, l.flags.contains("master") ? "master" : "replica of " + l.masterId);
                }
                if (l.flags.contains("master")) {
                    l.fillSlots(slots);
                }
            }
            if (!roles.keySet().equals(runningById.keySet())) {
                return n + " does not know every running node";
            }
            if (reference == null) {
                reference = n;
                referenceSlots = slots;
                referenceRoles = roles;
                continue;
            }
            if (!roles.equals(referenceRoles)) {
                return n + " sees roles " + describeRoles(roles, runningById) + " but " + reference + " sees "
                        + describeRoles(referenceRoles, runningById);
            }
            for (int s = 0; s < SLOTS; s++) {
                if (!Objects.equals(slots[s], referenceSlots[s])) {
                    return n + " thinks slot " + s + " belongs to " + describe(slots[s], runningById) + " but "
                            + reference + " thinks " + describe(referenceSlots[s], runningById);
                }
            }
        }
        for (int s = 0; s < SLOTS; s++) {
            if (referenceSlots[s] == null) {
                return "slot " + s + " is not assigned";
            }
            if (!runningById.containsKey(referenceSlots[s])) {
                return "slot " + s + " belongs to node " + referenceSlots[s] + ", which is not running";
            }
        }
        for (Map.Entry<String, String> e : referenceRoles.entrySet()) {
            if (!"master".equals(e.getValue())) {
                RedisServer replica = runningById.get(e.getKey());
                String link = infoField((String) replica.command("INFO", "replication"), "master_link_status");
                if (!"up".equals(link)) {
                    return "replica " + replica + " has master_link_status:" + link;
                }
            }
        }
        return null;
    }

    private String describeRoles(Map<String, String> roles, Map<String, RedisServer> byId) {
        return roles.entrySet().stream()
                .map(e -> byId.get(e.getKey()).port() + "=" + e.getValue())
                .sorted()
                .collect(Collectors.joining(", ", "{", "}"));
    }

    private static String describe(String id, Map<String, RedisServer> byId) {
        RedisServer n = id == null ? null : byId.get(id);
        return n != null ? n.toString() : String.valueOf(id);
    }

    // ------------------------------------------------------------------ topology

    /** All nodes in creation order: first the initial masters, then replica {@code r} of master {@code m} at
     *  index {@code masters + m * replicasPerMaster + r}. Includes stopped nodes. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The running nodes that are masters right now ({@code ROLE}), in {@link #nodes()} order. */
    public List<RedisServer> masters() {
        return running().stream().filter(n -> "master".equals(role(n).get(0))).collect(Collectors.toList());
    }

    /** The running nodes that are replicas right now ({@code ROLE}), in {@link #nodes()} order. */
    public List<RedisServer> replicas() {
        return running().stream().filter(n -> !"master".equals(role(n).get(0))).collect(Collectors.toList());
    }

    /** The running nodes that replicate {@code master} right now. */
    public List<RedisServer> replicasOf(RedisServer master) {
        requireMember(master);
        List<RedisServer> out = new ArrayList<>();
        for (RedisServer n : running()) {
            List<Object> role = role(n);
            if ("slave".equals(role.get(0)) && Integer.parseInt(String.valueOf(role.get(2))) == master.port()) {
                out.add(n);
            }
        }
        return out;
    }

    /** The configured number of masters. */
    public int masterCount() {
        return masterCount;
    }

    /** The configured number of replicas per master. */
    public int replicasPerMaster() {
        return replicasPerMaster;
    }

    /** The {@code --cluster-node-timeout} of every node. */
    public Duration nodeTimeout() {
        return nodeTimeout;
    }

    /** The cluster node ID of {@code node} ({@code CLUSTER MYID}); it survives restarts. */
    public String nodeId(RedisServer node) {
        requireMember(node);
        return id(node);
    }

    /** {@code redis://127.0.0.1:<port>} of every node, in {@link #nodes()} order: seeds for a cluster client. */
    public List<String> seedUris() {
        return nodes.stream().map(RedisServer::uri).collect(Collectors.toList());
    }

    /** {@code 127.0.0.1:<port>,127.0.0.1:<port>,...} of every node, in {@link #nodes()} order. */
    public String seedsCsv() {
        return nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
    }

    /**
     * The master serving {@code slot}, according to {@code CLUSTER SLOTS} of the first running node.
     *
     * @throws IllegalArgumentException if the slot is out of range
     * @throws IllegalStateException    if the slot is not served by a node of this cluster
     */
    public RedisServer nodeForSlot(int slot) {
        checkSlot(slot);
        RedisServer owner = slotTable()[slot];
        if (owner == null) {
            throw new IllegalStateException("slot " + slot + " is not served by any node of " + this);
        }
        return owner;
    }

    /** The master serving {@code key}: {@code nodeForSlot(slotOf(key))}. */
    public RedisServer nodeForKey(String key) {
        return nodeForSlot(slotOf(key));
    }

    /** The slots {@code master} serves right now, ascending. */
    public List<Integer> slotsOf(RedisServer master) {
        requireMember(master);
        RedisServer[] table = slotTable();
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            if (table[s] == master) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * The hash slot of {@code key} as Redis computes it: CRC16 (XMODEM) of the UTF-8 bytes modulo 16384, over
     * only the part between the first {@code {} and the next {@code }} if that part is not empty (hash tags).
     */
    public static int slotOf(String key) {
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        int end = b.length;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '{') {
                for (int j = i + 1; j < b.length; j++) {
                    if (b[j] == '}') {
                        if (j > i + 1) {
                            start = i + 1;
                            end = j;
                        }
                        break;
                    }
                }
                break;
            }
        }
        return crc16(b, start, end) & (SLOTS - 1);
    }

    static int crc16(byte[] b, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (b[i] & 0xff) << 8;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xffff;
    }

    // ------------------------------------------------------------------ client

    /**
     * Sends one command like a cluster client would: to the master of the slot of {@code args[1]} (the first
     * key of most commands; commands without arguments go to a running master), following {@code MOVED}
     * and {@code ASK} redirections (with {@code ASKING}) and retrying {@code TRYAGAIN}. Replies as
     * {@link RedisServer#command(String...)}. Meant for test setup and assertions, not as a production
     * client: multi-key commands need keys of one slot, and the routing key must be {@code args[1]}.
     *
     * @throws RedisErrorException  for error replies other than redirections
     * @throws UncheckedIOException if no node could be reached
     */
    public Object command(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("empty Redis command");
        }
        String rendered = String.join(" ", Arrays.asList(args));
        int slot = args.length > 1 ? slotOf(args[1]) : -1;
        RedisServer target = slot >= 0 ? cachedOwner(slot) : anyRunningMaster();
        boolean asking = false;
        IOException lastIo = null;
        for (int attempt = 0; attempt < MAX_REDIRECTS; attempt++) {
            Object reply;
            try (Resp.Connection c = target.connect()) {
                if (asking) {
                    c.call("ASKING");
                }
                reply = c.call(args);
            } catch (IOException e) {
                lastIo = e;
                slotCache = null;
                sleep(POLL_MILLIS);
                target = slot >= 0 ? cachedOwner(slot) : anyRunningMaster();
                asking = false;
                continue;
            }
            if (reply instanceof Resp.Error) {
                String msg = ((Resp.Error) reply).message();
                if (msg.startsWith("MOVED ")) {
                    target = byAddress(msg.split(" ")[2]);
                    RedisServer[] cache = slotCache;
                    if (cache != null) {
                        cache[Integer.parseInt(msg.split(" ")[1])] = target;
                    }
                    asking = false;
                    continue;
                }
                if (msg.startsWith("ASK ")) {
                    target = byAddress(msg.split(" ")[2]);
                    asking = true;
                    continue;
                }
                if (msg.startsWith("TRYAGAIN")) {
                    sleep(20);
                    continue;
                }
            }
            return RedisServer.unwrap(reply, rendered);
        }
        if (lastIo != null) {
            throw new UncheckedIOException("Redis command " + rendered + " to " + this + " failed: " + lastIo.getMessage(),
                    lastIo);
        }
        throw new IllegalStateException("more than " + MAX_REDIRECTS + " redirections for " + rendered);
    }

    private RedisServer cachedOwner(int slot) {
        RedisServer owner = slotTable(false)[slot];
        return owner != null ? owner : anyRunningMaster();
    }

    private RedisServer anyRunningMaster() {
        List<RedisServer> masters = masters();
        if (masters.isEmpty()) {
            throw new IllegalStateException("no running master in " + this);
        }
        return masters.get(0);
    }

    private RedisServer byAddress(String hostPort) {
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        for (RedisServer n : nodes) {
            if (n.port() == port) {
                return n;
            }
        }
        throw new IllegalStateException("redirected to " + hostPort + ", which is not a node of " + this);
    }

    private RedisServer[] slotTable() {
        return slotTable(true);
    }

    /** Slot owners from {@code CLUSTER SLOTS} of the first running node; cached for {@link #command}. */
    @SuppressWarnings("unchecked")
    private RedisServer[] slotTable(boolean fresh) {
        RedisServer[] cached = slotCache;
        if (!fresh && cached != null) {
            return cached;
        }
        List<RedisServer> running = running();
        if (running.isEmpty()) {
            throw new IllegalStateException("no node of " + this + " is running");
        }
        RedisServer[] table = new RedisServer[SLOTS];
        for (Object entry : (List<Object>) running.get(0).command("CLUSTER", "SLOTS")) {
            List<Object> e = (List<Object>) entry;
            int from = ((Long) e.get(0)).intValue();
            int to = ((Long) e.get(1)).intValue();
            List<Object> master = (List<Object>) e.get(2);
            RedisServer owner = byAddress(master.get(0) + ":" + master.get(1));
            Arrays.fill(table, from, to + 1, owner);
        }
        slotCache = table;
        return table;
    }

    // ------------------------------------------------------------------ fault injection

    /**
     * Moves {@code slot} and all its keys to master {@code target} with the resharding protocol of
     * {@code redis-cli --cluster reshard}: {@code CLUSTER SETSLOT <slot> IMPORTING} on the target,
     * {@code MIGRATING} on the source, {@code MIGRATE ... KEYS} of {@link #MIGRATE_BATCH} keys at a time from
     * {@code CLUSTER GETKEYSINSLOT}, then {@code CLUSTER SETSLOT <slot> NODE <target>} on the target, the
     * source and every other running master, and finally waits until the cluster is
     * {@linkplain #awaitStable() stable}. Clients that follow {@code ASK}/{@code MOVED} keep working
     * throughout. Does nothing if {@code target} already owns the slot.
     *
     * @return the number of keys moved
     * @throws IllegalArgumentException if {@code target} is not a running master of this cluster
     */
    @SuppressWarnings("unchecked")
    public int migrateSlot(int slot, RedisServer target) {
        checkSlot(slot);
        requireMember(target);
        if (!target.isRunning() || !"master".equals(role(target).get(0))) {
            throw new IllegalArgumentException(target + " is not a running master; slots can only move to masters");
        }
        RedisServer source = nodeForSlot(slot);
        if (source == target) {
            return 0;
        }
        String s = Integer.toString(slot);
        target.command("CLUSTER", "SETSLOT", s, "IMPORTING", id(source));
        source.command("CLUSTER", "SETSLOT", s, "MIGRATING", id(target));
        int moved = 0;
        while (true) {
            List<Object> keys = (List<Object>) source.command("CLUSTER", "GETKEYSINSLOT", s,
                    Integer.toString(MIGRATE_BATCH));
            if (keys.isEmpty()) {
                break;
            }
            List<String> cmd = new ArrayList<>(List.of("MIGRATE", target.host(), Integer.toString(target.port()), "",
                    "0", Integer.toString(MIGRATE_TIMEOUT_MILLIS), "KEYS"));
            keys.forEach(k -> cmd.add((String) k));
            source.command(cmd.toArray(new String[0]));
            moved += keys.size();
        }
        List<RedisServer> order = new ArrayList<>(List.of(target, source));
        for (RedisServer m : masters()) {
            if (!order.contains(m)) {
                order.add(m);
            }
        }
        for (RedisServer m : order) {
            m.command("CLUSTER", "SETSLOT", s, "NODE", id(target));
        }
        awaitStable();
        return moved;
    }

    /**
     * Promotes a replica of {@code master}: sends {@code CLUSTER FAILOVER} to one of its running replicas
     * ({@code CLUSTER FAILOVER FORCE} if {@code master} is not running) and waits until that replica is a
     * master and the cluster is {@linkplain #awaitStable() stable} again (the old master, if running, is then
     * a replica of the new one).
     *
     * @return the promoted node
     * @throws IllegalStateException if {@code master} has no running replica
     */
    public RedisServer failover(RedisServer master) {
        requireMember(master);
        List<RedisServer> candidates = master.isRunning() ? replicasOf(master) : replicasOfDead(master);
        if (candidates.isEmpty()) {
            throw new IllegalStateException(master + " has no running replica to fail over to"
                    + (replicasPerMaster == 0 ? " (the cluster was built with replicasPerMaster = 0)" : ""));
        }
        RedisServer replica = candidates.get(0);
        if (master.isRunning()) {
            replica.command("CLUSTER", "FAILOVER");
        } else {
            replica.command("CLUSTER", "FAILOVER", "FORCE");
        }
        await(replica + " to become a master", stableTimeout,
                () -> "master".equals(role(replica).get(0)) ? null : replica + " is still " + role(replica).get(0));
        awaitStable();
        return replica;
    }

    /** Replicas whose configured master (per their own view) is the dead {@code master}. */
    private List<RedisServer> replicasOfDead(RedisServer master) {
        String masterId = id(master);
        List<RedisServer> out = new ArrayList<>();
        for (RedisServer n : running()) {
            for (NodeLine l : clusterNodes(n)) {
                if (l.flags.contains("myself") && masterId.equals(l.masterId)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /**
     * Starts every node that is not running (same ports, same node IDs, no data) and waits until the cluster
     * is {@linkplain #awaitStable() stable}. Does nothing if all nodes run. {@link WithRedisCluster} calls this
     * before each test.
     */
    public synchronized void ensureRunning() {
        if (closed) {
            throw new IllegalStateException(this + " was closed");
        }
        boolean restarted = false;
        for (RedisServer n : nodes) {
            if (!n.isRunning()) {
                n.start();
                restarted = true;
            }
        }
        if (restarted) {
            awaitStable();
        }
    }

    /** Stops every node and deletes their directories. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Groups.Closer> all = new ArrayList<>();
        nodes.forEach(n -> all.add(n::close));
        Groups.closeAll(all);
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "RedisCluster[" + masterCount + " masters x " + replicasPerMaster + " replicas, nodes "
                + nodes.stream().map(n -> Integer.toString(n.port())).collect(Collectors.joining(",")) + "]";
    }

    // ------------------------------------------------------------------ helpers

    private List<RedisServer> running() {
        return nodes.stream().filter(ServerProcess::isRunning).collect(Collectors.toList());
    }

    private String id(RedisServer node) {
        return ids.computeIfAbsent(node, n -> (String) n.command("CLUSTER", "MYID"));
    }

    private void requireMember(RedisServer node) {
        if (!nodes.contains(Objects.requireNonNull(node, "node"))) {
            throw new IllegalArgumentException(node + " is not a node of " + this);
        }
    }

    private static void checkSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot out of range 0.." + (SLOTS - 1) + ": " + slot);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> role(RedisServer node) {
        return (List<Object>) node.command("ROLE");
    }

    static String infoField(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    private static List<NodeLine> clusterNodes(RedisServer node) {
        List<NodeLine> out = new ArrayList<>();
        for (String line : ((String) node.command("CLUSTER", "NODES")).split("\n")) {
            if (!line.isBlank()) {
                out.add(NodeLine.parse(line.trim()));
            }
        }
        return out;
    }

    /** A problem description, or null once the condition holds; may throw (counts as "not yet"). */
    private static void await(String what, Duration timeout, Groups.Probe probe) {
        Groups.await(what, timeout, POLL_MILLIS, probe);
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** One line of {@code CLUSTER NODES}. */
    private static final class NodeLine {
        final String id;
        final Set<String> flags;
        final String masterId;
        final String linkState;
        final List<String> slots;

        private NodeLine(String id, Set<String> flags, String masterId, String linkState, List<String> slots) {
            this.id = id;
            this.flags = flags;
            this.masterId = masterId;
            this.linkState = linkState;
            this.slots = slots;
        }

        static NodeLine parse(String line) {
            String[] f = line.split(" ");
            if (f.length < 8) {
                throw new IllegalStateException("malformed CLUSTER NODES line: " + line);
            }
            return new NodeLine(f[0], new HashSet<>(Arrays.asList(f[2].split(","))), f[3], f[7],
                    Arrays.asList(f).subList(8, f.length));
        }

        boolean hasAny(Set<String> wanted) {
            for (String w : wanted) {
                if (flags.contains(w)) {
                    return true;
                }
            }
            return false;
        }

        /** Writes this master's ID into {@code owners} for each slot it serves (ignores migration markers). */
        void fillSlots(String[] owners) {
            for (String token : slots) {
                if (token.startsWith("[")) {
                    continue;
                }
                int dash = token.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? token : token.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(token.substring(dash + 1));
                Arrays.fill(owners, from, to + 1, id);
            }
        }
    }

    /** Configures a {@link RedisCluster}; {@link #start()} returns it formed and stable. */
    public static final class Builder {
        private final List<String> nodeArgs = new ArrayList<>();
        private int masters = 3;
        private int replicasPerMaster;
        private Duration nodeTimeout = DEFAULT_NODE_TIMEOUT;
        private Duration startupTimeout = ServerProcess.DEFAULT_STARTUP_TIMEOUT;
        private Duration stableTimeout = DEFAULT_STABLE_TIMEOUT;
        private Path executable;

        private Builder() {
        }

        /** Number of masters, at least 1 (default 3). */
        public Builder masters(int masters) {
            if (masters < 1 || masters > SLOTS) {
                throw new IllegalArgumentException("masters must be 1.." + SLOTS + ": " + masters);
            }
            this.masters = masters;
            return this;
        }

        /** Number of replicas of each master (default 0; 1 gives every master a failover target). */
        public Builder replicasPerMaster(int replicas) {
            if (replicas < 0) {
                throw new IllegalArgumentException("replicasPerMaster must not be negative: " + replicas);
            }
            this.replicasPerMaster = replicas;
            return this;
        }

        /** {@code --cluster-node-timeout} of every node (default 2 s): how fast a dead master is failed over. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() <= 0) {
                throw new IllegalArgumentException("nodeTimeout must be positive: " + timeout);
            }
            return this;
        }

        /** Extra redis-server arguments for every node, appended after the defaults. */
        public Builder nodeArgs(String... args) {
            for (String a : args) {
                nodeArgs.add(Objects.requireNonNull(a, "arg"));
            }
            return this;
        }

        /** How long each node start may take (default 30 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long forming the cluster and each {@link RedisCluster#awaitStable()} may take (default 60 s). */
        public Builder stableTimeout(Duration timeout) {
            this.stableTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Uses this redis-server executable instead of looking it up. */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * Starts the nodes, forms the cluster and waits until it is stable; on failure every node is closed.
         *
         * @throws ServerStartException  if a node does not start
         * @throws IllegalStateException if the cluster does not become stable within the stable timeout
         */
        public RedisCluster start() {
            List<RedisServer> nodes = new ArrayList<>();
            RedisCluster cluster = null;
            try {
                int total = masters * (1 + replicasPerMaster);
                for (int i = 0; i < total; i++) {
                    // Without the 5 s default delay a replica's full sync starts at once.
                    RedisServer.Builder b = RedisServer.builder().clusterNode(nodeTimeout)
                            .arg("--repl-diskless-sync-delay", "0").args(nodeArgs).startupTimeout(startupTimeout);
                    if (executable != null) {
                        b.executable(executable);
                    }
                    nodes.add(b.build());
                }
                cluster = new RedisCluster(this, nodes);
                cluster.form();
                return cluster;
            } catch (RuntimeException e) {
                if (cluster != null) {
                    try {
                        e.addSuppressed(new IllegalStateException("node logs:\n" + cluster.nodes.stream()
                                .map(n -> n + ":\n" + n.logTail(10)).collect(Collectors.joining("\n"))));
                    } catch (RuntimeException ignored) {
                        // best effort
                    }
                }
                nodes.forEach(RedisServer::close);
                throw e;
            }
        }
    }
}
