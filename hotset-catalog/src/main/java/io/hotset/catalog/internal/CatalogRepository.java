package io.hotset.catalog.internal;

import io.hotset.catalog.spi.ReadRouting;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Every SQL statement of the request paths. Reads that may be stale (cache fills) go to
 * {@link ReadRouting#read}, at or past the fill's source position; strong reads and
 * writes to {@link ReadRouting#primary()}. A write
 * updates its source rows and {@code product_view} in one transaction, so the flat table never
 * lags the source for the service's own writes. Each statement increments
 * {@code catalog_db_queries_total{query}}.
 */
public final class CatalogRepository {
  /** Advisory lock key of the materialized-view refresh (one refresher at a time across instances). */
  static final long TOP_REFRESH_LOCK = 0x686f7473_6574_0002L;

  private static final String PRODUCT_COLUMNS = "product_id, name, description, category_name, category_id, "
      + "price_cents, currency, avg_rating, review_count, stock, version";

  private final ReadRouting routing;
  private final QueryCounter queries;

  public CatalogRepository(ReadRouting routing, QueryCounter queries) {
    this.routing = routing;
    this.queries = queries;
  }

  /** The cached representation's source: one {@code product_view} row, or null; from any copy. */
  public Product findProduct(long id) {
    return findProduct(id, io.hotset.Loader.ANY_POSITION);
  }

  /**
   * As {@link #findProduct(long)}, from a copy of the database at or past {@code minPosition} (a
   * cache fill's, see {@link ReadRouting#read}).
   */
  public Product findProduct(long id, long minPosition) {
    try {
      return routing.read(minPosition, c -> {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PRODUCT_COLUMNS
            + " FROM product_view WHERE product_id = ?")) {
          ps.setLong(1, id);
          queries.count("product");
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? product(rs) : null;
          }
        }
      });
    } catch (SQLException e) {
      throw new DataAccessException("reading product " + id, e);
    }
  }

  /** A live read of the source tables on the primary (never {@code product_view}, never a cache), or null. */
  public Product findProductLive(long id) {
    String sql = "SELECT p.product_id, p.name, p.description, c.category_name, p.category_id, p.price_cents, "
        + "p.currency, r.avg_rating, r.review_count, p.stock, p.version "
        + "FROM products p LEFT JOIN categories c ON c.category_id = p.category_id "
        + "CROSS JOIN LATERAL (SELECT round(avg(rating), 1) AS avg_rating, count(*)::int AS review_count "
        + "  FROM reviews WHERE product_id = p.product_id) r "
        + "WHERE p.product_id = ?";
    try (Connection c = routing.primary().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      queries.count("strong");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? product(rs) : null;
      }
    } catch (SQLException e) {
      throw new DataAccessException("reading product " + id + " from the primary", e);
    }
  }

  /**
   * Applies a partial update to {@code products} and {@code product_view} in one transaction,
   * bumping the version. Empty when the product does not exist.
   *
   * @throws ApiException 422 when {@code categoryId} names no category
   */
  public Optional<Product> update(long id, ProductPatch patch) {
    StringBuilder set = new StringBuilder();
    for (String column : patch.columns().keySet()) {
      set.append(column).append(" = ?, ");
    }
    String updateSource = "UPDATE products SET " + set + "version = version + 1, updated_at = now() WHERE product_id = ?";
    String updateView = "UPDATE product_view pv SET name = p.name, description = p.description, "
        + "category_id = p.category_id, category_name = c.category_name, price_cents = p.price_cents, "
        + "currency = p.currency, stock = p.stock, version = p.version, refreshed_at = now() "
        + "FROM products p JOIN categories c ON c.category_id = p.category_id "
        + "WHERE pv.product_id = p.product_id AND p.product_id = ? "
        + "RETURNING pv.product_id, pv.name, pv.description, pv.category_name, pv.category_id, pv.price_cents, "
        + "pv.currency, pv.avg_rating, pv.review_count, pv.stock, pv.version";
    if (patch.columns().containsKey("category_id") && !categoryExists((Long) patch.columns().get("category_id"))) {
      throw ApiException.invalid("categoryId", "no category " + patch.columns().get("category_id"));
    }
    try (Connection c = routing.primary().getConnection()) {
      c.setAutoCommit(false);
      try {
        int updated;
        try (PreparedStatement ps = c.prepareStatement(updateSource)) {
          int i = 1;
          for (Map.Entry<String, Object> e : patch.columns().entrySet()) {
            ps.setObject(i++, e.getValue());
          }
          ps.setLong(i, id);
          queries.count("product_write");
          updated = ps.executeUpdate();
        }
        if (updated == 0) {
          c.rollback();
          return Optional.empty();
        }
        Product p;
        try (PreparedStatement ps = c.prepareStatement(updateView)) {
          ps.setLong(1, id);
          queries.count("product_write");
          try (ResultSet rs = ps.executeQuery()) {
            p = rs.next() ? product(rs) : null;
          }
        }
        if (p == null) {
          // A product without a category or view row: the schema's invariant is broken; do not half-apply.
          c.rollback();
          throw new IllegalStateException("product " + id + " has no product_view row or no category");
        }
        c.commit();
        return Optional.of(p);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        if (e instanceof SQLException s && "23503".equals(s.getSQLState())) {
          throw ApiException.invalid("categoryId", "no such category");
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new DataAccessException("updating product " + id, e);
    }
  }

  /** The result of {@link #addReview}. */
  public record ReviewAdded(long reviewId, Product product) {}

  /**
   * Inserts a review and updates the product's rating aggregates and version in {@code products}
   * and {@code product_view}, in one transaction (the product row lock serializes reviews of one
   * product, so the aggregates are exact). Empty when the product does not exist.
   */
  public Optional<ReviewAdded> addReview(long id, int rating, String author, String body) {
    try (Connection c = routing.primary().getConnection()) {
      c.setAutoCommit(false);
      try {
        long version;
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE products SET version = version + 1, updated_at = now() WHERE product_id = ? RETURNING version")) {
          ps.setLong(1, id);
          queries.count("review_write");
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              c.rollback();
              return Optional.empty();
            }
            version = rs.getLong(1);
          }
        }
        long reviewId;
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO reviews (product_id, rating, author, body) VALUES (?, ?, ?, ?) RETURNING review_id")) {
          ps.setLong(1, id);
          ps.setInt(2, rating);
          ps.setString(3, author);
          ps.setString(4, body);
          queries.count("review_write");
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            reviewId = rs.getLong(1);
          }
        }
        Product p;
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE product_view SET (avg_rating, review_count) = "
                + "(SELECT round(avg(rating), 1), count(*) FROM reviews WHERE product_id = ?), "
                + "version = ?, refreshed_at = now() WHERE product_id = ? RETURNING " + PRODUCT_COLUMNS)) {
          ps.setLong(1, id);
          ps.setLong(2, version);
          ps.setLong(3, id);
          queries.count("review_write");
          try (ResultSet rs = ps.executeQuery()) {
            p = rs.next() ? product(rs) : null;
          }
        }
        if (p == null) {
          c.rollback();
          throw new IllegalStateException("product " + id + " has no product_view row");
        }
        c.commit();
        return Optional.of(new ReviewAdded(reviewId, p));
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new DataAccessException("adding a review to product " + id, e);
    }
  }

  private boolean categoryExists(long categoryId) {
    try (Connection c = routing.primary().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT 1 FROM categories WHERE category_id = ?")) {
      ps.setLong(1, categoryId);
      queries.count("category");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new DataAccessException("reading category " + categoryId, e);
    }
  }

  /** A category's top products (at most 100, ranked) from the materialized view; null for an unknown category. */
  public TopList findTop(long categoryId) {
    return findTop(categoryId, io.hotset.Loader.ANY_POSITION);
  }

  /** As {@link #findTop(long)}, from a copy at or past {@code minPosition}. */
  public TopList findTop(long categoryId, long minPosition) {
    String sql = "SELECT c.category_name, t.rank, t.product_id, t.name, t.avg_rating, t.review_count "
        + "FROM categories c LEFT JOIN top_products_per_category t ON t.category_id = c.category_id "
        + "WHERE c.category_id = ? ORDER BY t.rank";
    try {
      return routing.read(minPosition, c -> {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setLong(1, categoryId);
          queries.count("top");
          try (ResultSet rs = ps.executeQuery()) {
            String name = null;
            List<TopList.Entry> entries = new ArrayList<>();
            while (rs.next()) {
              name = rs.getString(1);
              long productId = rs.getLong(3);
              if (!rs.wasNull()) {
                entries.add(new TopList.Entry(rs.getInt(2), productId, rs.getString(4), rating(rs.getBigDecimal(5)),
                    rs.getInt(6)));
              }
            }
            return name == null ? null : new TopList(categoryId, name, entries);
          }
        }
      });
    } catch (SQLException e) {
      throw new DataAccessException("reading the top products of category " + categoryId, e);
    }
  }

  /**
   * {@code REFRESH MATERIALIZED VIEW CONCURRENTLY}, unless another instance is refreshing right now
   * (a transaction-scoped advisory lock). Returns whether this call refreshed.
   */
  public boolean refreshTop() {
    try (Connection c = routing.primary().getConnection()) {
      c.setAutoCommit(false);
      try {
        boolean locked;
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
          ps.setLong(1, TOP_REFRESH_LOCK);
          queries.count("top_refresh");
          try (ResultSet rs = ps.executeQuery()) {
            locked = rs.next() && rs.getBoolean(1);
          }
        }
        if (locked) {
          try (PreparedStatement ps = c.prepareStatement("REFRESH MATERIALIZED VIEW CONCURRENTLY top_products_per_category")) {
            queries.count("top_refresh");
            ps.execute();
          }
        }
        c.commit();
        return locked;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new DataAccessException("refreshing top_products_per_category", e);
    }
  }

  /** The flushed view count of a product (0 if none flushed yet). */
  public long views(long id) {
    // the primary: a running total seeded from a lagging replica would stay short by what it lacked
    try (Connection c = routing.primary().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT views FROM product_views WHERE product_id = ?")) {
      ps.setLong(1, id);
      queries.count("views");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw new DataAccessException("reading the views of product " + id, e);
    }
  }

  /** Whether the primary answers {@code SELECT 1} within {@code timeoutSeconds}. */
  public boolean ping(int timeoutSeconds) {
    try (Connection c = routing.primary().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT 1")) {
      ps.setQueryTimeout(timeoutSeconds);
      queries.count("health");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The primary's WAL position now, to invalidate a write that just committed with
   * ({@link ReadRouting#currentPosition}); 0 when reads never go to a replica, or when it cannot be
   * read (change capture then brings the position of the change a moment later).
   */
  public long currentPosition() {
    try {
      return routing.currentPosition();
    } catch (SQLException | RuntimeException e) {
      return io.hotset.Loader.ANY_POSITION;
    }
  }

  /** The primary, for the write-behind sink. */
  DataSource primary() {
    return routing.primary();
  }

  private static Product product(ResultSet rs) throws SQLException {
    String currency = rs.getString(7);
    return new Product(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
        rs.getInt(6), currency == null ? null : currency.trim(), rating(rs.getBigDecimal(8)), rs.getInt(9),
        rs.getInt(10), rs.getLong(11));
  }

  private static Double rating(BigDecimal d) {
    return d == null ? null : d.doubleValue();
  }
}
