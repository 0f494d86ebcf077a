package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReplicaRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class ReplicaRouterBuilderTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:1/db";

  private static ReplicaRouter.Builder valid() {
    return ReplicaRouter.builder().primary(URL, "u", "").meterRegistry(new SimpleMeterRegistry());
  }

  @Test
  void requiresAPrimary() {
    assertThatThrownBy(() -> ReplicaRouter.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("a primary is required");
  }

  @Test
  void rejectsNullsNamingThem() {
    ReplicaRouter.Builder b = ReplicaRouter.builder();
    assertThatThrownBy(() -> b.primary((DataSource) null)).hasMessage("primary dataSource");
    assertThatThrownBy(() -> b.primary(null, "u", "p")).hasMessage("primary jdbcUrl");
    assertThatThrownBy(() -> b.primary(URL, "u", null)).hasMessage("primary password");
    assertThatThrownBy(() -> b.replica(null, URL, "u", "p")).hasMessage("replica name");
    assertThatThrownBy(() -> b.replica("r", (DataSource) null)).hasMessage("replica dataSource");
    assertThatThrownBy(() -> b.maxLag(null)).hasMessage("maxLag");
    assertThatThrownBy(() -> b.lagCheckInterval(null)).hasMessage("lagCheckInterval");
    assertThatThrownBy(() -> b.readYourWrites(null)).hasMessage("readYourWrites");
    assertThatThrownBy(() -> b.pinDuration(null)).hasMessage("pinDuration");
    assertThatThrownBy(() -> b.meterRegistry(null)).hasMessage("meterRegistry");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> b.connectionTimeout(null)).hasMessage("connectionTimeout");
    assertThatThrownBy(() -> b.replicaConnectionTimeout(null)).hasMessage("replicaConnectionTimeout");
    assertThatThrownBy(() -> b.replicaUrls(null, "u", "p")).hasMessage("replicaUrls");
  }

  @Test
  void rejectsBadDurationsQuotingThem() {
    assertThatThrownBy(() -> valid().maxLag(Duration.ofMillis(-5)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxLag must be positive, was PT-0.005S");
    assertThatThrownBy(() -> valid().lagCheckInterval(Duration.ZERO).build())
        .hasMessage("lagCheckInterval must be positive, was PT0S");
    assertThatThrownBy(() -> valid().pinDuration(Duration.ofSeconds(-1)).build())
        .hasMessage("pinDuration must be positive, was PT-1S");
    assertThatThrownBy(() -> valid().maxLag(Duration.ofMillis(150)).build())
        .hasMessage("lagCheckInterval must be less than half of maxLag (PT0.15S), was PT0.1S");
    assertThatThrownBy(() -> valid().connectionTimeout(Duration.ofMillis(100)).build())
        .hasMessage("connectionTimeout must be at least 250 ms (HikariCP's minimum), was PT0.1S");
    assertThatThrownBy(() -> valid().replicaConnectionTimeout(Duration.ofMillis(-1)).build())
        .hasMessage("replicaConnectionTimeout must be at least 250 ms (HikariCP's minimum), was PT-0.001S");
    assertThatThrownBy(() -> valid().maxLagBytes(-1).build()).hasMessage("maxLagBytes must not be negative, was -1");
    assertThatThrownBy(() -> valid().poolSize(0).build()).hasMessage("poolSize must be between 1 and 1000, was 0");
  }

  @Test
  void rejectsBadUrlsWithoutPrintingTheirQueryString() {
    assertThatThrownBy(() -> ReplicaRouter.builder().primary("jdbc:mysql://h/db?password=s3cret", "u", "p").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the JDBC URL of primary is not a PostgreSQL one (jdbc:postgresql://host:port/database): "
            + "'jdbc:mysql://h/db?...'");
    assertThatThrownBy(() -> valid().replica("r1", "postgres://h/db", "u", "p").build())
        .hasMessageContaining("the JDBC URL of r1").hasMessageEndingWith("'postgres://h/db'");
    assertThatThrownBy(() -> valid().replica("r1", "jdbc:postgresql://h:notaport/db", "u", "p").build())
        .hasMessageContaining("'jdbc:postgresql://h:notaport/db'");
  }

  @Test
  void rejectsBadAndDuplicateReplicaNames() {
    assertThatThrownBy(() -> valid().replica("has space", URL, "u", "p").build())
        .hasMessageStartingWith("replica name must match").hasMessageEndingWith("was 'has space'");
    assertThatThrownBy(() -> valid().replica("primary", URL, "u", "p").build())
        .hasMessage("replica name 'primary' is reserved for the primary");
    assertThatThrownBy(() -> valid().replica("r", URL, "u", "p").replica("r", URL, "u", "p").build())
        .hasMessage("two replicas are named 'r'");
  }

  @Test
  void splitsReplicaUrlListsOnlyBeforeJdbc() {
    try (ReplicaRouter router = valid()
        .replicaUrls("jdbc:postgresql://127.0.0.1:1,127.0.0.1:2/db?targetServerType=secondary, jdbc:postgresql://127.0.0.1:3/db",
            "u", "")
        .build()) {
      assertThat(router.status().replicas()).extracting(ReplicaRouter.ReplicaStatus::name)
          .containsExactly("replica1", "replica2");
    }
    try (ReplicaRouter router = valid().replicaUrls("  ", "u", "").build()) {
      assertThat(router.status().replicas()).isEmpty();
    }
  }

  @Test
  void buildsWithoutReachableNodesAndRoutesToThePrimaryUntilReplicasAnswer() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    String dead = "jdbc:postgresql://127.0.0.1:" + deadPort + "/db";
    long start = System.nanoTime();
    try (ReplicaRouter router = ReplicaRouter.builder().primary(dead, "u", "").replica("r1", dead, "u", "")
        .meterRegistry(new SimpleMeterRegistry()).build()) {
      assertThat(router.routeFor(ReadConsistency.any()).primary()).isTrue();
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (router.status().replica("r1").reason().equals("not checked yet") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      ReplicaRouter.ReplicaStatus r1 = router.status().replica("r1");
      assertThat(r1.inRotation()).isFalse();
      assertThat(r1.reachable()).isFalse();
      assertThat(r1.reason()).startsWith("unreachable: check: ").doesNotContain("password");
      assertThat(router.status().primaryReachable()).isFalse();
      assertThat(router.routeFor(ReadConsistency.any()))
          .isEqualTo(new ReplicaRouter.Route("primary", true, "no replica in rotation"));
      assertThatThrownBy(() -> router.readConnection(ReadConsistency.any())).isInstanceOf(SQLException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void closedRouterRefusesReadsAndClosesTwiceQuietly() {
    ReplicaRouter router = ReplicaRouter.builder().primary(new NoDataSource())
        .meterRegistry(new SimpleMeterRegistry()).build();
    router.close();
    router.close();
    assertThatThrownBy(() -> router.readConnection(ReadConsistency.any()))
        .isInstanceOf(IllegalStateException.class).hasMessage("the replica router is closed");
    assertThatThrownBy(() -> router.readConnection(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("consistency");
  }

  /** A data source that never gives a connection. */
  static final class NoDataSource implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      throw new SQLException("no database here", "08001");
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
