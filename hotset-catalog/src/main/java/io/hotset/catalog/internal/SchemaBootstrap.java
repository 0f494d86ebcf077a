package io.hotset.catalog.internal;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Brings a database to the catalog schema and seeds it if, and only if, it is empty.
 *
 * <p>Several instances may start against one database at once: the whole of migrate + seed runs
 * under a session-level PostgreSQL advisory lock, so the second instance waits, then finds the
 * schema current and {@code products} non-empty and seeds nothing. The seed is one transaction:
 * an interrupted seed leaves an empty database (seeded again on the next start), never half a catalog.
 */
public final class SchemaBootstrap {
  static final long BOOTSTRAP_LOCK = 0x686f7473_6574_0001L;
  private static final int BATCH = 500;

  private final DataSource primary;
  private final QueryCounter queries;
  private final PrintStream log;

  public SchemaBootstrap(DataSource primary, QueryCounter queries, PrintStream log) {
    this.primary = primary;
    this.queries = queries;
    this.log = log;
  }

  /** Migrates, then seeds {@code seedProducts} products into an empty catalog. Returns whether it seeded. */
  public boolean migrateAndSeed(int seedProducts) {
    try (Connection lock = primary.getConnection()) {
      try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_lock(?)")) {
        ps.setLong(1, BOOTSTRAP_LOCK);
        queries.count("bootstrap");
        ps.execute();
      }
      try {
        enablePgStatStatements(lock);
        queries.count("migrate");
        Flyway.configure()
            .dataSource(primary)
            .locations("classpath:db/migration")
            .load()
            .migrate();
        if (!isEmpty(lock)) {
          return false;
        }
        seed(seedProducts);
        return true;
      } finally {
        try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_unlock(?)")) {
          ps.setLong(1, BOOTSTRAP_LOCK);
          queries.count("bootstrap");
          ps.execute();
        }
      }
    } catch (SQLException e) {
      throw new DataAccessException("migrating the catalog schema", e);
    }
  }

  /** {@code pg_stat_statements} where the server has it preloaded and we may create it; otherwise a note. */
  private void enablePgStatStatements(Connection c) {
    try (Statement s = c.createStatement()) {
      queries.count("bootstrap");
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    } catch (SQLException e) {
      log.println("hotset-catalog: pg_stat_statements not enabled (" + e.getMessage().lines().findFirst().orElse("")
          + "); continuing without it");
    }
  }

  private boolean isEmpty(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM products) AND NOT EXISTS (SELECT 1 FROM categories)")) {
      queries.count("bootstrap");
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private void seed(int products) throws SQLException {
    long start = System.nanoTime();
    log.printf("hotset-catalog: seeding an empty catalog with %,d products%n", products);
    try (Connection c = primary.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO categories (category_id, category_name, parent_id) VALUES (?, ?, ?)")) {
          for (CatalogDataGenerator.Category cat : CatalogDataGenerator.categories()) {
            ps.setLong(1, cat.id());
            ps.setString(2, cat.name());
            ps.setObject(3, cat.parentId());
            ps.addBatch();
          }
          queries.count("seed");
          ps.executeBatch();
        }
        long reviews = 0;
        long bytes = 0;
        int nextReport = Math.max(1, products / 10);
        try (PreparedStatement pp = c.prepareStatement("INSERT INTO products (product_id, name, description, "
                 + "category_id, price_cents, currency, stock, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)");
             PreparedStatement rp = c.prepareStatement(
                 "INSERT INTO reviews (product_id, rating, author, body) VALUES (?, ?, ?, ?)")) {
          int inBatch = 0;
          for (long id = 1; id <= products; id++) {
            CatalogDataGenerator.GeneratedProduct p = CatalogDataGenerator.product(id);
            pp.setLong(1, p.id());
            pp.setString(2, p.name());
            pp.setString(3, p.description());
            pp.setLong(4, p.categoryId());
            pp.setInt(5, p.priceCents());
            pp.setString(6, p.currency());
            pp.setInt(7, p.stock());
            pp.addBatch();
            bytes += p.name().length() + p.description().length() + 40;
            for (CatalogDataGenerator.Review r : p.reviews()) {
              rp.setLong(1, p.id());
              rp.setInt(2, r.rating());
              rp.setString(3, r.author());
              rp.setString(4, r.body());
              rp.addBatch();
              reviews++;
              bytes += r.author().length() + r.body().length() + 20;
            }
            if (++inBatch == BATCH || id == products) {
              queries.count("seed");
              pp.executeBatch();
              queries.count("seed");
              rp.executeBatch();
              inBatch = 0;
            }
            if (id % nextReport == 0 || id == products) {
              log.printf("hotset-catalog: seeded %,d / %,d products (%d%%)%n", id, products, id * 100 / products);
            }
          }
        }
        try (Statement s = c.createStatement()) {
          queries.count("seed");
          // the same computation change capture keeps the view current with (one definition)
          s.executeUpdate("INSERT INTO product_view (" + CatalogChangeCapture.VIEW_COLUMNS + ") "
              + CatalogChangeCapture.ALL_COMPUTED);
          queries.count("seed");
          s.execute("REFRESH MATERIALIZED VIEW top_products_per_category");
        }
        c.commit();
        log.printf("hotset-catalog: seeded %,d products, %,d reviews (%,d KB of text) in %.1f s%n", products, reviews,
            bytes / 1024, (System.nanoTime() - start) / 1e9);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      queries.count("seed");
      s.execute("ANALYZE");
    }
  }
}
