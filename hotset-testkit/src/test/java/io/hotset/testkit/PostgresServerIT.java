package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.Os;
import io.hotset.testkit.internal.ProcessTree;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@WithPostgres(settings = {"max_connections=42"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresServerIT {
    private static long killedByEarlierTest;

    static Connection connect(PostgresServer pg) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    static String queryOne(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from: %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    static void update(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate(sql);
        }
    }

    static void assertConnectionRefused(int port) {
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @BeforeAll
    static void createTable(PostgresServer pg) throws SQLException {
        try (Connection c = connect(pg)) {
            update(c, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
        }
    }

    @Test
    @Order(1)
    void jdbcAsHotsetWithLogicalWalAndTestSettings(PostgresServer pg) throws SQLException {
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/hotset");
        try (Connection c = connect(pg)) {
            update(c, "INSERT INTO items VALUES (1, 'one')");
            assertThat(queryOne(c, "SELECT name FROM items WHERE id = 1")).isEqualTo("one");
            assertThat(queryOne(c, "SHOW wal_level")).isEqualTo("logical");
            assertThat(queryOne(c, "SHOW max_connections")).isEqualTo("42");
            assertThat(queryOne(c, "SHOW max_replication_slots")).isEqualTo("10");
            assertThat(queryOne(c, "SHOW max_wal_senders")).isEqualTo("10");
            assertThat(queryOne(c, "SHOW fsync")).isEqualTo("off");
            assertThat(queryOne(c, "SHOW full_page_writes")).isEqualTo("off");
            assertThat(queryOne(c, "SHOW synchronous_commit")).as("commits survive kill -9").isEqualTo("on");
            assertThat(queryOne(c, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(queryOne(c, "SELECT current_user || '@' || current_database()")).isEqualTo("hotset@hotset");
            assertThat(queryOne(c, "SELECT rolsuper AND rolreplication FROM pg_roles WHERE rolname = 'hotset'"))
                    .isEqualTo("t");
            assertThat(queryOne(c, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'hotset'"))
                    .isEqualTo("hotset");
            assertThat(queryOne(c, "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
                    + " AND address = '127.0.0.1' AND auth_method = 'trust'")).isNotEqualTo("0");
            assertThat(queryOne(c, "SHOW shared_preload_libraries").contains("pg_stat_statements"))
                    .isEqualTo(pg.preloadsPgStatStatements());
        }
    }

    @Test
    @Order(2)
    void runsAsPostgresUserWhenRootAndPidIsThePostmaster(PostgresServer pg) {
        ProcessHandle.Info info = ProcessHandle.of(pg.pid()).orElseThrow().info();
        assertThat(info.command()).hasValueSatisfying(cmd -> assertThat(cmd).endsWith("/postgres"));
        assertThat(info.user()).hasValue(Os.isRoot() ? "postgres" : System.getProperty("user.name"));
        assertThat(pg.runsAsPostgresUser()).isEqualTo(Os.isRoot());
        assertThat(pg.dataDir().resolve("PG_VERSION")).exists();
        assertThat(pg.binDir().resolve("postgres")).isExecutable();
    }

    @Test
    @Order(3)
    void psqlRunsAsHotsetAndReportsErrors(PostgresServer pg) {
        assertThat(pg.psql("SELECT current_user, current_database()")).isEqualTo("hotset|hotset");
        assertThat(pg.psql("SELECT 1 UNION ALL SELECT 2")).isEqualTo("1\n2");
        assertThatThrownBy(() -> pg.psql("SELECT * FROM no_such_table"))
                .isInstanceOf(PsqlException.class)
                .hasMessageContaining("no_such_table")
                .satisfies(e -> assertThat(((PsqlException) e).stderr()).contains("does not exist"));
        if (pg.preloadsPgStatStatements()) {
            pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            assertThat(Long.parseLong(pg.psql("SELECT count(*) FROM pg_stat_statements"))).isPositive();
        }
    }

    @Test
    @Order(4)
    void killMinus9WhileConnectedThenRestartKeepsCommittedRows(PostgresServer pg) throws SQLException {
        long pid = pg.pid();
        int port = pg.port();
        try (Connection c = connect(pg)) {
            update(c, "INSERT INTO items VALUES (2, 'two')");
            List<ProcessHandle> tree = ProcessHandle.of(pid).orElseThrow().descendants().collect(Collectors.toList());
            assertThat(tree).as("postmaster children (backends, checkpointer, ...)").isNotEmpty();

            pg.kill();

            assertThat(pg.isRunning()).isFalse();
            ProcessHandle.of(pid).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
            assertThat(tree).allSatisfy(h -> assertThat(ProcessTree.isGone(h)).as("pid %d gone", h.pid()).isTrue());
            assertConnectionRefused(port);
            assertThatThrownBy(() -> queryOne(c, "SELECT 1")).isInstanceOf(SQLException.class);
        }

        pg.start();

        assertThat(pg.port()).isEqualTo(port);
        assertThat(pg.pid()).isNotEqualTo(pid);
        try (Connection c = connect(pg)) {
            assertThat(queryOne(c, "SELECT name FROM items WHERE id = 2")).isEqualTo("two");
        }
    }

    @Test
    @Order(5)
    void stopWithOpenConnectionThenStartAndRestart(PostgresServer pg) throws SQLException {
        long pid = pg.pid();
        int port = pg.port();
        try (Connection c = connect(pg)) {
            update(c, "INSERT INTO items VALUES (3, 'three')");
            long started = System.nanoTime();
            pg.stop();
            assertThat((System.nanoTime() - started) / 1_000_000).as("fast shutdown, ms").isLessThan(8_000);
        }
        assertThat(pg.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertConnectionRefused(port);
        assertThat(pg.logTail(30)).contains("database system is shut down");

        pg.start();
        assertThat(pg.port()).isEqualTo(port);
        pg.restart();
        assertThat(pg.port()).isEqualTo(port);
        try (Connection c = connect(pg)) {
            assertThat(queryOne(c, "SELECT string_agg(name, ',' ORDER BY id) FROM items")).isEqualTo("one,two,three");
        }
    }

    @Test
    @Order(6)
    void killWithoutRestart(PostgresServer pg) {
        killedByEarlierTest = pg.pid();
        pg.kill();
        assertThat(pg.isRunning()).isFalse();
    }

    @Test
    @Order(7)
    void extensionRestartsAServerAnEarlierTestLeftDown(PostgresServer pg) throws SQLException {
        assertThat(killedByEarlierTest).as("the previous test ran").isPositive();
        assertThat(pg.isRunning()).isTrue();
        assertThat(pg.pid()).isNotEqualTo(killedByEarlierTest);
        try (Connection c = connect(pg)) {
            assertThat(queryOne(c, "SELECT count(*) FROM items")).isEqualTo("3");
        }
    }

    @Test
    @Order(8)
    void builderSettingsAndTryWithResources(PostgresServer classServer) {
        PostgresServer other;
        try (PostgresServer s = PostgresServer.builder().setting("work_mem", "8MB").start()) {
            other = s;
            assertThat(s.port()).isNotEqualTo(classServer.port());
            assertThat(s.psql("SHOW work_mem")).isEqualTo("8MB");
            assertThat(s.psql("SELECT count(*) FROM pg_class WHERE relname = 'items'")).isEqualTo("0");
        }
        assertThat(other.isRunning()).isFalse();
        assertThat(Files.exists(other.dataDir())).isFalse();
    }
}
