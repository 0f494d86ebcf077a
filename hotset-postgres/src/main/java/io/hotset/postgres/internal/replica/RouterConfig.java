package io.hotset.postgres.internal.replica;

import io.hotset.postgres.ReplicaRouter.ReadYourWrites;
import io.hotset.spi.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/** The validated settings of a router, from {@link io.hotset.postgres.ReplicaRouter.Builder}. */
public record RouterConfig(Node primary, List<Node> replicas, Duration maxLag, long maxLagBytes,
    Duration lagCheckInterval, ReadYourWrites readYourWrites, Duration pinDuration, Duration connectionTimeout,
    Duration replicaConnectionTimeout, int poolSize, MeterRegistry meterRegistry, Ticker ticker) {

  /** One node: a data source the caller owns, or a JDBC URL the router builds a pool for. */
  public record Node(String name, DataSource dataSource, String jdbcUrl, String user, String password) {
    public static Node of(String name, DataSource dataSource) {
      return new Node(name, dataSource, null, null, null);
    }

    public static Node of(String name, String jdbcUrl, String user, String password) {
      return new Node(name, null, jdbcUrl, user, password);
    }

    /** @throws IllegalArgumentException if the JDBC URL is not one PgJDBC accepts */
    public void validate() {
      if (jdbcUrl != null && (!jdbcUrl.startsWith("jdbc:postgresql:")
          || org.postgresql.Driver.parseURL(jdbcUrl, null) == null)) {
        throw new IllegalArgumentException("the JDBC URL of " + name
            + " is not a PostgreSQL one (jdbc:postgresql://host:port/database): '" + redacted(jdbcUrl) + "'");
      }
    }

    /** The URL without its query string (which may hold a password), for messages. */
    public static String redacted(String jdbcUrl) {
      int q = jdbcUrl.indexOf('?');
      String s = q < 0 ? jdbcUrl : jdbcUrl.substring(0, q) + "?...";
      return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public String toString() {
      return name + (jdbcUrl != null ? " (" + redacted(jdbcUrl) + ")" : " (" + dataSource + ")");
    }
  }
}
