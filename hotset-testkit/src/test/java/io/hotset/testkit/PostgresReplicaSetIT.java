package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.Os;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithPostgresReplicas(replicas = 2, settings = {"max_connections=40"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresReplicaSetIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(15);

    private static long killedReplicaPid;
    private static long killedPrimaryPid;

    static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, PostgresServer.USER, PostgresServer.PASSWORD);
    }

    static String queryOne(PostgresServer node, String sql) throws SQLException {
        try (Connection c = connect(node.jdbcUrl())) {
            return PostgresServerIT.queryOne(c, sql);
        }
    }

    static void insert(PostgresReplicaSet set, int id, String value) throws SQLException {
        try (Connection c = connect(set.primaryJdbcUrl())) {
            PostgresServerIT.update(c, "INSERT INTO items VALUES (" + id + ", '" + value + "')");
        }
    }

    static String valueOn(PostgresServer node, int id) throws SQLException {
        try (Connection c = connect(node.jdbcUrl());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT v FROM items WHERE id = " + id)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void eventually(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for %s", what).isNegative();
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    @BeforeAll
    static void createTable(PostgresReplicaSet set) throws SQLException {
        try (Connection c = connect(set.primaryJdbcUrl())) {
            PostgresServerIT.update(c, "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)");
        }
    }

    @Test
    @Order(1)
    void primaryAndStreamingHotStandbys(PostgresReplicaSet set) throws SQLException {
        PostgresServer primary = set.primary();
        List<PostgresServer> replicas = set.replicas();
        assertThat(replicas).hasSize(2);
        assertThat(set.nodes()).containsExactly(primary, replicas.get(0), replicas.get(1));
        assertThat(set.nodes()).extracting(PostgresServer::port).doesNotHaveDuplicates();
        assertThat(primary.isReplica()).isFalse();
        assertThat(replicas).allSatisfy(r -> {
            assertThat(r.isReplica()).isTrue();
            assertThat(r.upstream()).containsSame(primary);
            assertThat(r.dataDir().resolve("standby.signal")).exists();
        });
        assertThat(set.replicaJdbcUrls()).isEqualTo(replicas.get(0).jdbcUrl() + "," + replicas.get(1).jdbcUrl());
        assertThat(set.replicaJdbcUrls()).isEqualTo("jdbc:postgresql://127.0.0.1:" + replicas.get(0).port()
                + "/hotset,jdbc:postgresql://127.0.0.1:" + replicas.get(1).port() + "/hotset");

        assertThat(queryOne(primary, "SELECT pg_is_in_recovery()")).isEqualTo("f");
        assertThat(queryOne(primary, "SHOW wal_level")).isEqualTo("logical");
        assertThat(queryOne(primary, "SHOW wal_keep_size")).isEqualTo("128MB");
        assertThat(queryOne(primary, "SHOW max_connections")).isEqualTo("40");
        for (int i = 0; i < 2; i++) {
            PostgresServer r = replicas.get(i);
            assertThat(queryOne(r, "SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(queryOne(r, "SHOW hot_standby")).isEqualTo("on");
            assertThat(queryOne(r, "SHOW hot_standby_feedback")).isEqualTo("on");
            assertThat(queryOne(r, "SHOW max_connections")).isEqualTo("40");
            assertThat(queryOne(r, "SHOW cluster_name")).isEqualTo("hotset_replica_" + (i + 1));
            assertThat(queryOne(r, "SELECT current_user || '@' || current_database()")).isEqualTo("hotset@hotset");
            assertThat(queryOne(r, "SHOW primary_conninfo"))
                    .contains("host=127.0.0.1").contains("port=" + primary.port()).contains("user=hotset");
            assertThat(queryOne(r, "SELECT status || ':' || sender_port FROM pg_stat_wal_receiver"))
                    .isEqualTo("streaming:" + primary.port());
            assertThat(ProcessHandle.of(r.pid()).orElseThrow().info().user())
                    .hasValue(Os.isRoot() ? "postgres" : System.getProperty("user.name"));
        }
        assertThat(primary.psql("SELECT application_name || ':' || state FROM pg_stat_replication"
                + " ORDER BY application_name")).isEqualTo("hotset_replica_1:streaming\nhotset_replica_2:streaming");
    }

    @Test
    @Order(2)
    void rowInsertedOnThePrimaryBecomesVisibleOnTheReplicas(PostgresReplicaSet set) throws SQLException {
        insert(set, 1, "one");
        for (PostgresServer r : set.replicas()) {
            set.awaitCaughtUp(r, CATCH_UP);
            assertThat(valueOn(r, 1)).as("on %s", r).isEqualTo("one");
            assertThat(PostgresReplicaSet.parseLsn(set.replayLsn(r)))
                    .isLessThanOrEqualTo(PostgresReplicaSet.parseLsn(set.primaryLsn()));
        }
    }

    @Test
    @Order(3)
    void replicaRejectsWrites(PostgresReplicaSet set) throws SQLException {
        PostgresServer replica = set.replica(0);
        try (Connection c = connect(replica.jdbcUrl())) {
            assertThatThrownBy(() -> PostgresServerIT.update(c, "INSERT INTO items VALUES (100, 'nope')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("cannot execute INSERT in a read-only transaction");
        }
        assertThatThrownBy(() -> replica.psql("CREATE TABLE nope (id int)"))
                .isInstanceOf(PsqlException.class)
                .hasMessageContaining("cannot execute CREATE TABLE in a read-only transaction");
        assertThat(valueOn(set.primary(), 100)).isNull();
    }

    @Test
    @Order(4)
    void pausedReplayHidesNewRowsUntilResumed(PostgresReplicaSet set) throws Exception {
        PostgresServer paused = set.replica(0);
        PostgresServer other = set.replica(1);
        set.awaitCaughtUp(paused, CATCH_UP);
        set.pauseReplay(paused);
        assertThat(set.isReplayPaused(paused)).isTrue();
        assertThat(set.isReplayPaused(other)).isFalse();

        insert(set, 2, "two");
        long written = PostgresReplicaSet.parseLsn(set.primaryLsn());
        eventually("the paused replica to receive the new WAL", CATCH_UP,
                () -> PostgresReplicaSet.parseLsn(set.receiveLsn(paused)) >= written);

        assertThat(valueOn(paused, 2)).as("row on the paused replica").isNull();
        assertThat(valueOn(paused, 1)).isEqualTo("one");
        assertThat(set.lagBytes(paused)).isPositive();
        assertThatThrownBy(() -> set.awaitCaughtUp(paused, Duration.ofMillis(500)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pause state 'paused'");
        set.awaitCaughtUp(other, CATCH_UP);
        assertThat(valueOn(other, 2)).as("the other replica is not paused").isEqualTo("two");

        set.resumeReplay(paused);
        assertThat(set.isReplayPaused(paused)).isFalse();
        set.awaitCaughtUp(paused, CATCH_UP);
        assertThat(valueOn(paused, 2)).isEqualTo("two");
        eventually("lag to return to 0", CATCH_UP, () -> set.lagBytes(paused) == 0);
    }

    @Test
    @Order(5)
    void killMinus9OfAReplicaThenRestartStreamsAgain(PostgresReplicaSet set) throws Exception {
        PostgresServer replica = set.replica(0);
        long pid = replica.pid();
        int port = replica.port();
        replica.kill();
        assertThat(replica.isRunning()).isFalse();
        eventually("the primary to notice the lost replica", CATCH_UP,
                () -> set.primary().psql("SELECT count(*) FROM pg_stat_replication").equals("1"));

        insert(set, 3, "while-down");
        replica.start();

        assertThat(replica.pid()).isNotEqualTo(pid);
        assertThat(replica.port()).isEqualTo(port);
        set.awaitStreaming(replica, CATCH_UP);
        set.awaitCaughtUp(replica, CATCH_UP);
        assertThat(valueOn(replica, 3)).as("written while the replica was down").isEqualTo("while-down");
        insert(set, 4, "after-restart");
        set.awaitCaughtUp(replica, CATCH_UP);
        assertThat(valueOn(replica, 4)).isEqualTo("after-restart");
        assertThat(queryOne(replica, "SELECT pg_is_in_recovery()")).isEqualTo("t");
    }

    @Test
    @Order(6)
    void killMinus9OfThePrimaryThenRestartReplicasReconnect(PostgresReplicaSet set) throws Exception {
        PostgresServer primary = set.primary();
        insert(set, 5, "before-crash");
        primary.kill();
        primary.start();
        set.awaitStreaming();
        insert(set, 6, "after-crash");
        for (PostgresServer r : set.replicas()) {
            set.awaitCaughtUp(r, CATCH_UP);
            assertThat(valueOn(r, 5)).isEqualTo("before-crash");
            assertThat(valueOn(r, 6)).isEqualTo("after-crash");
        }
    }

    @Test
    @Order(7)
    void leaveTheSetBroken(PostgresReplicaSet set) {
        set.pauseReplay(set.replica(0));
        killedReplicaPid = set.replica(1).pid();
        set.replica(1).kill();
        killedPrimaryPid = set.primary().pid();
        set.primary().kill();
    }

    @Test
    @Order(8)
    void extensionRepairsTheSetBeforeEachTest(PostgresReplicaSet set) throws Exception {
        assertThat(killedReplicaPid).as("the previous test ran").isPositive();
        assertThat(set.nodes()).allSatisfy(n -> assertThat(n.isRunning()).isTrue());
        assertThat(set.primary().pid()).isNotEqualTo(killedPrimaryPid);
        assertThat(set.replica(1).pid()).isNotEqualTo(killedReplicaPid);
        assertThat(set.isReplayPaused(set.replica(0))).isFalse();
        insert(set, 7, "repaired");
        for (PostgresServer r : set.replicas()) {
            set.awaitCaughtUp(r, CATCH_UP);
            assertThat(valueOn(r, 7)).isEqualTo("repaired");
        }
    }

    @Test
    @Order(9)
    void primaryAllowsPublicationsAndPgoutputSlots(PostgresReplicaSet set) throws SQLException {
        PostgresServer primary = set.primary();
        try (Connection c = connect(primary.jdbcUrl())) {
            PostgresServerIT.update(c, "CREATE PUBLICATION hotset_pub FOR TABLE items");
            try {
                assertThat(PostgresServerIT.queryOne(c,
                        "SELECT slot_name FROM pg_create_logical_replication_slot('hotset_slot', 'pgoutput')"))
                        .isEqualTo("hotset_slot");
                try {
                    assertThat(PostgresServerIT.queryOne(c, "SELECT plugin || ':' || slot_type || ':' || database"
                            + " FROM pg_replication_slots WHERE slot_name = 'hotset_slot'"))
                            .isEqualTo("pgoutput:logical:hotset");
                    PostgresServerIT.update(c, "INSERT INTO items VALUES (8, 'cdc-marker-8')");
                    String peek = "FROM pg_logical_slot_peek_binary_changes('hotset_slot', NULL, NULL,"
                            + " 'proto_version', '1', 'publication_names', 'hotset_pub')";
                    // BEGIN, RELATION, INSERT, COMMIT
                    assertThat(Integer.parseInt(PostgresServerIT.queryOne(c, "SELECT count(*) " + peek)))
                            .isGreaterThanOrEqualTo(4);
                    assertThat(PostgresServerIT.queryOne(c, "SELECT count(*) " + peek
                            + " WHERE get_byte(data, 0) = ascii('I')"
                            + " AND position(convert_to('cdc-marker-8', 'UTF8') IN data) > 0")).isEqualTo("1");
                    // peek does not consume: the changes are still there
                    assertThat(Integer.parseInt(PostgresServerIT.queryOne(c, "SELECT count(*) " + peek)))
                            .isGreaterThanOrEqualTo(4);
                } finally {
                    PostgresServerIT.queryOne(c, "SELECT pg_drop_replication_slot('hotset_slot')");
                }
            } finally {
                PostgresServerIT.update(c, "DROP PUBLICATION hotset_pub");
            }
        }
    }

    @Test
    @Order(10)
    void multiHostUrlRoutesByServerType(PostgresReplicaSet set) throws SQLException {
        String url = set.multiHostJdbcUrl();
        assertThat(url).startsWith("jdbc:postgresql://127.0.0.1:" + set.primary().port() + ",127.0.0.1:")
                .endsWith("/hotset");
        try (Connection c = connect(url + "?targetServerType=secondary")) {
            assertThat(PostgresServerIT.queryOne(c, "SELECT pg_is_in_recovery()")).isEqualTo("t");
        }
        try (Connection c = connect(url + "?targetServerType=primary")) {
            assertThat(PostgresServerIT.queryOne(c, "SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(PostgresServerIT.queryOne(c, "SELECT inet_server_port()"))
                    .isEqualTo(Integer.toString(set.primary().port()));
        }
    }

    @Test
    @Order(11)
    void lsnParsing() {
        assertThat(PostgresReplicaSet.parseLsn("0/3000148")).isEqualTo(0x3000148L);
        assertThat(PostgresReplicaSet.parseLsn("1/0")).isEqualTo(1L << 32);
        assertThat(PostgresReplicaSet.parseLsn("16/B374D848")).isEqualTo(0x16_B374_D848L);
        assertThatThrownBy(() -> PostgresReplicaSet.parseLsn("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PostgresReplicaSet.parseLsn("0/xyz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Order(12)
    void aReplicaNeedsARunningPrimary() {
        PostgresServer stopped = PostgresServer.builder().build();
        try {
            PostgresServer.Builder replica = PostgresServer.builder().replicaOf(stopped);
            assertThatThrownBy(replica::start)
                    .isInstanceOf(ServerStartException.class)
                    .hasMessageContaining("must be running to clone a replica");
        } finally {
            stopped.close();
        }
        assertThat(stopped.isRunning()).isFalse();
    }
}
