package io.hotset.catalog.internal;

import io.hotset.Hotset;
import io.hotset.catalog.spi.EdgePurge;
import io.hotset.postgres.ChangeCapture;
import io.hotset.postgres.TableMapping;
import io.hotset.postgres.ViewMaintainer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * The catalog's change data capture (hotset-postgres): every committed change to its tables,
 * including SQL that bypasses the service, invalidates the regions and purges the edge; the
 * same stream keeps {@code product_view} current for such writes, and a reconciliation pass
 * repairs whatever drift remains. Every instance runs it; one consumes (advisory lock).
 */
public final class CatalogChangeCapture implements AutoCloseable {
  /** How often the whole of product_view is compared with what its sources compute. */
  public static final Duration RECONCILE_INTERVAL = Duration.ofMinutes(10);

  static final String KEYS = "WITH k AS (SELECT unnest(?::bigint[]) AS id) ";
  static final String COMPUTED = "SELECT p.product_id, p.name, p.description, p.category_id, c.category_name, "
      + "p.price_cents, p.currency, p.stock, r.avg_rating, coalesce(r.review_count, 0) AS review_count, p.version "
      + "FROM products p JOIN categories c ON c.category_id = p.category_id "
      + "LEFT JOIN (SELECT product_id, round(avg(rating), 1) AS avg_rating, count(*) AS review_count FROM reviews ";
  static final String VIEW_COLUMNS = "product_id, name, description, category_id, category_name, price_cents, "
      + "currency, stock, avg_rating, review_count, version";
  static final String UPSERT = KEYS + "INSERT INTO product_view (" + VIEW_COLUMNS + ") " + COMPUTED
      + "WHERE product_id IN (SELECT id FROM k) GROUP BY product_id) r ON r.product_id = p.product_id "
      + "WHERE p.product_id IN (SELECT id FROM k) "
      + "ON CONFLICT (product_id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, "
      + "category_id = EXCLUDED.category_id, category_name = EXCLUDED.category_name, "
      + "price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock, "
      + "avg_rating = EXCLUDED.avg_rating, review_count = EXCLUDED.review_count, version = EXCLUDED.version, "
      + "refreshed_at = now() "
      // unchanged rows are not rewritten: the service's own writes already updated them
      + "WHERE (product_view.name, product_view.description, product_view.category_id, product_view.category_name, "
      + "product_view.price_cents, product_view.currency, product_view.stock, product_view.avg_rating, "
      + "product_view.review_count, product_view.version) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, "
      + "EXCLUDED.category_id, EXCLUDED.category_name, EXCLUDED.price_cents, EXCLUDED.currency, EXCLUDED.stock, "
      + "EXCLUDED.avg_rating, EXCLUDED.review_count, EXCLUDED.version)";
  static final String DELETE = "DELETE FROM product_view v WHERE v.product_id = ANY(?::bigint[]) "
      + "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.product_id = v.product_id)";
  static final String ALL_COMPUTED = COMPUTED + "GROUP BY product_id) r ON r.product_id = p.product_id";
  static final String DRIFT = "SELECT DISTINCT product_id::text FROM (("
      + ALL_COMPUTED + " EXCEPT SELECT " + VIEW_COLUMNS + " FROM product_view) UNION ALL (SELECT " + VIEW_COLUMNS
      + " FROM product_view EXCEPT " + ALL_COMPUTED + ")) d";

  private final ChangeCapture cdc;
  private final ViewMaintainer view;
  private final AutoCloseable reconciliation;

  private CatalogChangeCapture(ChangeCapture cdc, ViewMaintainer view, AutoCloseable reconciliation) {
    this.cdc = cdc;
    this.view = view;
    this.reconciliation = reconciliation;
  }

  /**
   * Starts capture, or returns null (after saying why on {@code log}) when the database cannot
   * provide it, e.g. {@code wal_level} is not {@code logical}: the service then relies on its own
   * writes' invalidations and on TTL.
   */
  public static CatalogChangeCapture startOrNull(String jdbcUrl, String user, String password, Hotset hotset,
      DataSource primary, EdgePurge purge, MeterRegistry registry, PrintStream log) {
    ViewMaintainer view = ViewMaintainer.builder("product_view", primary)
        .upsertSql(UPSERT)
        .deleteSql(DELETE)
        .sourceColumn("products", "product_id")
        .sourceColumn("reviews", "product_id")
        .sourceQuery("categories", "category_id",
            "SELECT product_id::text FROM products WHERE category_id = ANY(?::bigint[])")
        .driftSql(DRIFT)
        .meterRegistry(registry)
        .build();
    ChangeCapture cdc;
    try {
      cdc = ChangeCapture.builder().jdbcUrl(jdbcUrl).user(user == null ? "" : user).password(password)
          .hotset(hotset)
          .meterRegistry(registry)
          .replicaIdentityFull(true) // deletes of reviews and category moves must carry the old row
          .table(TableMapping.table("products").key("product", "{product_id}").key("category-top", "{category_id}")
              .surrogateKey("product:{product_id}").build())
          .table(TableMapping.table("product_view").key("product", "{product_id}")
              .surrogateKey("product:{product_id}").build())
          .table(TableMapping.table("reviews").key("product", "{product_id}")
              .surrogateKey("product:{product_id}").build())
          .table(TableMapping.table("categories").tag("product", "category:{category_id}")
              .key("category-top", "{category_id}").surrogateKey("category:{category_id}").build())
          .listener(view)
          .edgePurge(keys -> purge.purge(List.copyOf(keys)))
          .start();
    } catch (IllegalStateException e) {
      log.println("hotset-catalog: change data capture is off (" + e.getMessage() + "); writes that bypass the "
          + "service are noticed only when entries expire");
      return null;
    }
    AutoCloseable reconciliation = view.scheduleReconciliation(RECONCILE_INTERVAL);
    log.println("hotset-catalog: change data capture on (slot hotset_cdc, one consumer among the instances)");
    return new CatalogChangeCapture(cdc, view, reconciliation);
  }

  public ChangeCapture changeCapture() {
    return cdc;
  }

  public ViewMaintainer view() {
    return view;
  }

  @Override
  public void close() {
    try {
      reconciliation.close();
    } catch (Exception e) {
      // a scheduler shutdown does not fail
    }
    cdc.close();
  }
}
