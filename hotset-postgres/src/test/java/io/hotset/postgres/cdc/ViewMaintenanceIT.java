package io.hotset.postgres.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.postgres.MaterializedViewRefresher;
import io.hotset.postgres.TableMapping;
import io.hotset.postgres.ViewMaintainer;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 4: product_view matches the normalized tables after a randomized run of 10,000
 * writes to products, categories and reviews made straight in SQL (checked by a full
 * comparison query); the reconciliation job repairs a row corrupted by hand.
 */
@WithPostgres
@WithRedis
class ViewMaintenanceIT {
  static final String COMPUTED = "SELECT p.product_id, p.name, p.category_id, c.name AS category_name, p.price_cents, "
      + "COALESCE(round(avg(r.rating), 2), 0)::numeric(4,2) AS avg_rating, count(r.review_id)::int AS review_count "
      + "FROM products p JOIN categories c ON c.category_id = p.category_id "
      + "LEFT JOIN reviews r ON r.product_id = p.product_id ";
  static final String GROUP = " GROUP BY p.product_id, c.name";
  static final String DRIFT = "SELECT DISTINCT product_id::text FROM ((" + COMPUTED + GROUP + " EXCEPT SELECT * FROM product_view)"
      + " UNION (SELECT * FROM product_view EXCEPT (" + COMPUTED + GROUP + "))) d";

  @Test
  void viewStaysExactUnderRandomWritesAndReconciliationRepairsDrift(PostgresServer pg, RedisServer redis)
      throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    createSchema(pg);
    try (CdcNode node = new CdcNode("views", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password());
         Connection sql = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      ViewMaintainer view = ViewMaintainer.builder("product_view", node.pool)
          .upsertSql("INSERT INTO product_view " + COMPUTED + "WHERE p.product_id = ANY(?::bigint[])" + GROUP
              + " ON CONFLICT (product_id) DO UPDATE SET name = EXCLUDED.name, category_id = EXCLUDED.category_id, "
              + "category_name = EXCLUDED.category_name, price_cents = EXCLUDED.price_cents, "
              + "avg_rating = EXCLUDED.avg_rating, review_count = EXCLUDED.review_count")
          .deleteSql("DELETE FROM product_view v WHERE v.product_id = ANY(?::bigint[]) "
              + "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.product_id = v.product_id)")
          .sourceColumn("products", "product_id")
          .sourceColumn("reviews", "product_id")
          .sourceQuery("categories", "category_id",
              "SELECT product_id::text FROM products WHERE category_id = ANY(?::int[])")
          .driftSql(DRIFT)
          .meterRegistry(node.registry)
          .build();
      node.cdc = node.cdcBuilder(pg.jdbcUrl(), pg.user(), pg.password())
          .replicaIdentityFull(true) // review deletes must carry product_id
          .table(TableMapping.table("reviews").key("product", "{product_id}").build())
          .table(TableMapping.table("categories").tag("product", "category:{category_id}").build())
          .table(TableMapping.table("product_view").key("product", "{product_id}").build())
          .listener(view)
          .start();
      ChangeCaptureTestSupport.awaitLeader(node.cdc);
      assertThat(driftCount(sql)).as("view built by hand at start matches").isZero();

      int writes = randomWrites(sql, 10_000, 42);
      ChangeCaptureTestSupport.awaitCaughtUpTo(pg, node.cdc, 60_000);
      int drift = driftCount(sql);
      long rows = count(sql, "SELECT count(*) FROM product_view");
      System.out.printf("view maintenance: %d random writes, %d product_view rows, %d drifted (full comparison)%n",
          writes, rows, drift);
      assertThat(drift).as("product_view equals what the normalized tables compute").isZero();
      assertThat(rows).isEqualTo(count(sql, "SELECT count(*) FROM products"));

      // Corrupt one row by hand: nothing in the change stream repairs it (product_view is not a source) ...
      long victim = count(sql, "SELECT min(product_id) FROM products");
      try (Statement st = sql.createStatement()) {
        st.executeUpdate("UPDATE product_view SET price_cents = -1, review_count = 999 WHERE product_id = " + victim);
      }
      ChangeCaptureTestSupport.awaitCaughtUpTo(pg, node.cdc, 30_000);
      assertThat(driftCount(sql)).isEqualTo(1);
      // ... the reconciliation job does.
      assertThat(view.reconcile()).isEqualTo(1);
      assertThat(driftCount(sql)).isZero();
      assertThat(node.registry.get("hotset.view.repairs").tag("view", "product_view").counter().count())
          .isEqualTo(1.0);
      assertThat(view.reconcile()).as("nothing left to repair").isZero();

      // The aggregate view refreshes concurrently; the hook runs after each refresh.
      AtomicInteger refreshed = new AtomicInteger();
      try (MaterializedViewRefresher top = MaterializedViewRefresher.schedule(node.pool, "top_products_per_category",
          Duration.ofHours(1), refreshed::incrementAndGet, node.registry)) {
        try (Statement st = sql.createStatement()) {
          st.executeUpdate("UPDATE products SET price_cents = price_cents + 1");
        }
        assertThat(top.refreshNow()).isTrue();
        assertThat(refreshed.get()).isEqualTo(1);
        assertThat(count(sql, "SELECT count(*) FROM ((SELECT * FROM top_products_per_category) EXCEPT ("
            + TOP_QUERY + ")) d")).as("refreshed contents").isZero();
      }
    }
  }

  static final String TOP_QUERY = "SELECT category_id, product_id, rank FROM (SELECT category_id, product_id, "
      + "rank() OVER (PARTITION BY category_id ORDER BY avg_rating DESC, product_id) AS rank FROM product_view) t "
      + "WHERE rank <= 10";

  private static void createSchema(PostgresServer pg) throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement()) {
      st.execute("DROP MATERIALIZED VIEW IF EXISTS top_products_per_category");
      st.execute("DROP TABLE IF EXISTS product_view, reviews, products, categories CASCADE");
      st.execute("CREATE TABLE categories (category_id int PRIMARY KEY, name text NOT NULL)");
      st.execute("CREATE TABLE products (product_id bigint PRIMARY KEY, category_id int NOT NULL "
          + "REFERENCES categories, name text NOT NULL, price_cents int NOT NULL)");
      st.execute("CREATE TABLE reviews (review_id bigserial PRIMARY KEY, product_id bigint NOT NULL "
          + "REFERENCES products ON DELETE CASCADE, rating int NOT NULL CHECK (rating BETWEEN 1 AND 5))");
      st.execute("CREATE TABLE product_view (product_id bigint PRIMARY KEY, name text NOT NULL, category_id int NOT NULL,"
          + " category_name text NOT NULL, price_cents int NOT NULL, avg_rating numeric(4,2) NOT NULL, "
          + "review_count int NOT NULL)");
      st.execute("INSERT INTO categories SELECT g, 'category ' || g FROM generate_series(1, 20) g");
      st.execute("INSERT INTO products SELECT g, 1 + g % 20, 'product ' || g, 1000 + g FROM generate_series(1, 500) g");
      st.execute("INSERT INTO reviews (product_id, rating) SELECT 1 + g % 500, 1 + g % 5 FROM generate_series(1, 2000) g");
      st.execute("INSERT INTO product_view " + COMPUTED + GROUP);
      st.execute("CREATE MATERIALIZED VIEW top_products_per_category AS " + TOP_QUERY);
      st.execute("CREATE UNIQUE INDEX ON top_products_per_category (category_id, product_id)");
    }
  }

  /** Random writes straight in SQL, each its own transaction (as operators and other tools do). */
  private static int randomWrites(Connection c, int n, long seed) throws SQLException {
    SplittableRandom rnd = new SplittableRandom(seed);
    long nextProduct = 10_000;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int done = 0;
    try (Statement st = c.createStatement()) {
      for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
        int op = rnd.nextInt(100);
        long p = existingProduct(st, rnd);
        int cat = 1 + rnd.nextInt(20);
        if (op < 35) {
          st.executeUpdate("UPDATE products SET price_cents = " + (100 + rnd.nextInt(100_000)) + " WHERE product_id = " + p);
        } else if (op < 45) {
          st.executeUpdate("UPDATE products SET category_id = " + cat + " WHERE product_id = " + p);
        } else if (op < 52) {
          st.executeUpdate("UPDATE products SET name = 'renamed " + i + "' WHERE product_id = " + p);
        } else if (op < 57) {
          st.executeUpdate("UPDATE categories SET name = 'category " + cat + " v" + i + "' WHERE category_id = " + cat);
        } else if (op < 80) {
          st.executeUpdate("INSERT INTO reviews (product_id, rating) VALUES (" + p + ", " + (1 + rnd.nextInt(5)) + ")");
        } else if (op < 88) {
          st.executeUpdate("DELETE FROM reviews WHERE review_id = (SELECT min(review_id) FROM reviews WHERE "
              + "product_id = " + p + ")");
        } else if (op < 95) {
          st.executeUpdate("INSERT INTO products VALUES (" + (nextProduct++) + ", " + cat + ", 'new " + i + "', "
              + (100 + rnd.nextInt(5000)) + ")");
        } else {
          st.executeUpdate("DELETE FROM products WHERE product_id = " + p);
        }
        done++;
      }
    }
    return done;
  }

  private static long existingProduct(Statement st, SplittableRandom rnd) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT product_id FROM products ORDER BY product_id OFFSET "
        + rnd.nextInt(400) + " LIMIT 1")) {
      return rs.next() ? rs.getLong(1) : 1;
    }
  }

  private static int driftCount(Connection c) throws SQLException {
    return (int) count(c, "SELECT count(*) FROM (" + DRIFT + ") x");
  }

  private static long count(Connection c, String query) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
