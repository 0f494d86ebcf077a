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
  /** Per product: "t=<nanos> loaded <value>" lines, for diagnosing a stale entry. */
  final java.util.concurrent.ConcurrentHashMap<Long, java.util.Queue<String>> history =
      new java.util.concurrent.ConcurrentHashMap<>();

  void note(long id, String event) {
    history.computeIfAbsent(id, k -> new java.util.concurrent.ConcurrentLinkedQueue<>())
        .add((System.nanoTime() / 1_000_000) + "ms " + Thread.currentThread().getName() + " " + event);
  }
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
      long t0 = System.nanoTime() / 1_000_000;
      try (ResultSet rs = ps.executeQuery()) {
        String v = rs.next() ? Integer.toString(rs.getInt(1)) : null;
        note(id, "load started " + t0 + "ms read " + v);
        return v;
      }
    }
  }

  static TableMapping productsMapping() {
    return TableMapping.table("products").key("product", "{product_id}").build();
  }

  ChangeCapture.Builder cdcBuilder(String jdbcUrl, String user, String password) {
    return ChangeCapture.builder().jdbcUrl(jdbcUrl).user(user).password(password).hotset(hotset)
        .meterRegistry(registry)
        .table(TableMapping.table("products").key("product", "{product_id}").surrogateKey("{product_id}").build())
        .leaderPollInterval(Duration.ofMillis(200))
        .edgePurge(keys -> {
          for (String k : keys) {
            note(Long.parseLong(k), "fanned out, acked before: " + (cdc == null ? -1 : cdc.acknowledgedLsn())
                + ", L1 now " + products.getIfPresent(Long.parseLong(k)));
          }
        })
        .listener(changes -> {
          for (io.hotset.postgres.RowChange rc : changes) {
            if ("products".equals(rc.table()) && rc.after().get("product_id") != null) {
              note(Long.parseLong(rc.after().get("product_id")), "cdc batch has price " + rc.after().get("price_cents")
                  + " lsn " + rc.commitLsn() + ", L1 before " + products.getIfPresent(
                      Long.parseLong(rc.after().get("product_id"))));
            }
          }
        });
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
