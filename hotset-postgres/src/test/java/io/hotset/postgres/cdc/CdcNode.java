package io.hotset.postgres.cdc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.postgres.ChangeCapture;
import io.hotset.postgres.TableMapping;
import io.hotset.redis.HotsetRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One "service instance" for the CDC tests: a Hotset on Redis (L1 + L2) with a region "product"
 * (id -> price, read from PostgreSQL) and optionally a change-capture consumer.
 */
final class CdcNode implements AutoCloseable {
  static final String PREFIX = "cdc";
  static final Duration TTL = Duration.ofMinutes(10); // long: only invalidation can remove an entry

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final HotsetRedis redis;
  final Hotset hotset;
  final Region<Long, String> products;
  final HikariDataSource pool;
  final AtomicLong loads = new AtomicLong();
  ChangeCapture cdc;

  CdcNode(String name, String redisUri, String jdbcUrl, String user, String password) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(jdbcUrl);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(4);
    hc.setPoolName("cdc-test-" + name);
    pool = new HikariDataSource(hc);
    redis = HotsetRedis.builder().url(redisUri).keyPrefix(PREFIX).meterRegistry(registry).build();
    hotset = Hotset.builder().meterRegistry(registry).l2(redis.tier()).invalidationTransport(redis.invalidations())
        .instanceId(name).build();
    products = hotset.region(RegionSpec.builder("product", Long.class, String.class).ttl(TTL).ttlJitter(0)
        .loader(this::loadPrice).build());
  }

  private String loadPrice(Long id) throws SQLException {
    loads.incrementAndGet();
    try (Connection c = pool.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT price_cents FROM products WHERE product_id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Integer.toString(rs.getInt(1)) : null;
      }
    }
  }

  static TableMapping productsMapping() {
    return TableMapping.table("products").key("product", "{product_id}").build();
  }

  ChangeCapture.Builder cdcBuilder(String jdbcUrl, String user, String password) {
    return ChangeCapture.builder().jdbcUrl(jdbcUrl).user(user).password(password).hotset(hotset)
        .meterRegistry(registry).table(productsMapping()).leaderPollInterval(Duration.ofMillis(200));
  }

  CdcNode startCdc(String jdbcUrl, String user, String password) {
    cdc = cdcBuilder(jdbcUrl, user, password).start();
    return this;
  }

  static void createSchema(String jdbcUrl, String user, String password, int products) throws SQLException {
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl, user, password);
         Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS products");
      st.execute("CREATE TABLE products (product_id bigint PRIMARY KEY, category_id int NOT NULL, "
          + "price_cents int NOT NULL, name text NOT NULL)");
      st.execute("INSERT INTO products SELECT g, g % 10, 1000, 'product ' || g FROM generate_series(1, " + products
          + ") g");
    }
  }

  @Override
  public void close() {
    if (cdc != null) {
      cdc.close();
    }
    hotset.close();
    redis.close();
    pool.close();
  }
}
