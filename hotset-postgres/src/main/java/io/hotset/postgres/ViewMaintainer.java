package io.hotset.postgres;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Keeps a denormalized table (such as a catalog's {@code product_view}) current from the
 * change stream: a {@link ChangeListener} for {@link ChangeCapture}, which calls it in commit
 * order before the batch's invalidations fan out. For each batch it works out which view keys
 * the changed rows feed and recomputes those rows from the source tables in one transaction,
 * so it is idempotent (a replayed batch recomputes the same rows) and always ends at the
 * sources' latest committed state, whatever order the events of one key came in.
 *
 * <p>The SQL is the application's, with one array parameter of keys in text form (cast it):
 * <pre>{@code
 * ViewMaintainer.builder("product_view", dataSource)
 *     .upsertSql("INSERT INTO product_view (...) SELECT ... WHERE p.product_id = ANY(?::bigint[]) "
 *         + "ON CONFLICT (product_id) DO UPDATE SET ...")
 *     .deleteSql("DELETE FROM product_view v WHERE v.product_id = ANY(?::bigint[]) "
 *         + "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.product_id = v.product_id)")
 *     .sourceColumn("products", "product_id")
 *     .sourceColumn("reviews", "product_id")
 *     .sourceQuery("categories", "category_id",
 *         "SELECT product_id::text FROM products WHERE category_id = ANY(?::int[])")
 *     .driftSql("SELECT product_id::text FROM ((SELECT ... computed) EXCEPT (SELECT ... FROM product_view) "
 *         + "UNION ...) d")
 *     .build();
 * }</pre>
 *
 * <p>{@link #reconcile()} finds rows that drifted anyway (a hand edit, a bug, a change made
 * while capture was skipped) with the drift query and repairs them; the repairs are counted in
 * {@code hotset_view_repairs_total{view}}.
 */
public final class ViewMaintainer implements ChangeListener {
  private static final System.Logger LOG = System.getLogger(ViewMaintainer.class.getName());

  private final String view;
  private final DataSource dataSource;
  private final String upsertSql;
  private final String deleteSql;
  private final String driftSql;
  private final Map<String, String> sourceColumns;
  private final Map<String, SourceQuery> sourceQueries;
  private final Counter repairs;
  private final Counter refreshedRows;
  private final Timer refreshTime;

  private record SourceQuery(String column, String sql) {}

  private ViewMaintainer(Builder b) {
    this.view = b.view;
    this.dataSource = b.dataSource;
    this.upsertSql = b.upsertSql;
    this.deleteSql = b.deleteSql;
    this.driftSql = b.driftSql;
    this.sourceColumns = Map.copyOf(b.sourceColumns);
    this.sourceQueries = Map.copyOf(b.sourceQueries);
    this.repairs = Counter.builder("hotset.view.repairs").tag("view", view)
        .description("view rows the reconciliation found wrong and repaired").register(b.registry);
    this.refreshedRows = Counter.builder("hotset.view.refreshed.rows").tag("view", view).register(b.registry);
    this.refreshTime = Timer.builder("hotset.view.refresh").tag("view", view).register(b.registry);
  }

  public static Builder builder(String view, DataSource dataSource) {
    return new Builder(view, dataSource);
  }

  /** The view's name, as given to the builder. */
  public String view() {
    return view;
  }

  @Override
  public void onChanges(List<RowChange> changes) throws SQLException {
    Map<String, Set<String>> queryInputs = new LinkedHashMap<>();
    Set<String> keys = new LinkedHashSet<>();
    for (RowChange rc : changes) {
      String table = rc.qualifiedTable();
      String col = sourceColumns.get(table);
      if (col != null) {
        addValues(rc, col, keys);
      }
      SourceQuery q = sourceQueries.get(table);
      if (q != null) {
        addValues(rc, q.column(), queryInputs.computeIfAbsent(table, t -> new LinkedHashSet<>()));
      }
    }
    if (keys.isEmpty() && queryInputs.isEmpty()) {
      return;
    }
    try (Connection c = dataSource.getConnection()) {
      for (Map.Entry<String, Set<String>> e : queryInputs.entrySet()) {
        try (PreparedStatement ps = c.prepareStatement(sourceQueries.get(e.getKey()).sql())) {
          ps.setArray(1, c.createArrayOf("text", e.getValue().toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              keys.add(rs.getString(1));
            }
          }
        }
      }
      refresh(c, keys);
    }
  }

  private static void addValues(RowChange rc, String column, Set<String> into) {
    String b = rc.before().get(column);
    if (b != null) {
      into.add(b);
    }
    String a = rc.after().get(column);
    if (a != null) {
      into.add(a);
    }
  }

  /** Recomputes the view rows of these keys from the sources, in one transaction. */
  public void refresh(Collection<String> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    try (Connection c = dataSource.getConnection()) {
      refresh(c, keys);
    }
  }

  private void refresh(Connection c, Collection<String> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      Array array = c.createArrayOf("text", keys.toArray());
      try (PreparedStatement up = c.prepareStatement(upsertSql)) {
        up.setArray(1, array);
        up.executeUpdate();
      }
      if (deleteSql != null) {
        try (PreparedStatement del = c.prepareStatement(deleteSql)) {
          del.setArray(1, array);
          del.executeUpdate();
        }
      }
      c.commit();
      refreshedRows.increment(keys.size());
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
      refreshTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Finds drifted rows with the drift query and recomputes them.
   *
   * @return how many rows were repaired
   * @throws IllegalStateException if no drift query was configured
   */
  public int reconcile() throws SQLException {
    if (driftSql == null) {
      throw new IllegalStateException("view " + view + " has no driftSql; set one on the builder to reconcile");
    }
    List<String> drifted = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement(driftSql); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          drifted.add(rs.getString(1));
        }
      }
      if (!drifted.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "view " + view + ": " + drifted.size() + " row(s) drifted from the "
            + "sources, repairing: " + (drifted.size() > 10 ? drifted.subList(0, 10) + "..." : drifted));
        refresh(c, drifted);
        repairs.increment(drifted.size());
      }
    }
    return drifted.size();
  }

  /**
   * Runs {@link #reconcile()} every {@code interval} on a daemon thread until the returned handle
   * is closed; failures are logged and retried at the next run.
   */
  public AutoCloseable scheduleReconciliation(Duration interval) {
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("reconciliation interval must be positive, was " + interval);
    }
    ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hotset-reconcile-" + view);
      t.setDaemon(true);
      return t;
    });
    ses.scheduleWithFixedDelay(() -> {
      try {
        reconcile();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "reconciliation of " + view + " failed: " + e);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return ses::shutdownNow;
  }

  /** Builds a {@link ViewMaintainer}. */
  public static final class Builder {
    private final String view;
    private final DataSource dataSource;
    private String upsertSql;
    private String deleteSql;
    private String driftSql;
    private final Map<String, String> sourceColumns = new LinkedHashMap<>();
    private final Map<String, SourceQuery> sourceQueries = new LinkedHashMap<>();
    private MeterRegistry registry = Metrics.globalRegistry;

    private Builder(String view, DataSource dataSource) {
      if (view == null || view.isBlank()) {
        throw new IllegalArgumentException("view name must not be blank, was '" + view + "'");
      }
      this.view = view;
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Recomputes the rows of the keys in its single array parameter (insert or update). */
    public Builder upsertSql(String sql) {
      this.upsertSql = requireOneParameter("upsertSql", sql);
      return this;
    }

    /** Deletes the rows of those keys whose source row is gone (optional). */
    public Builder deleteSql(String sql) {
      this.deleteSql = requireOneParameter("deleteSql", sql);
      return this;
    }

    /** Selects (as text) the keys whose view row differs from what the sources compute (optional). */
    public Builder driftSql(String sql) {
      this.driftSql = Objects.requireNonNull(sql, "driftSql");
      return this;
    }

    /** A change to {@code table} affects the view row whose key is the row's {@code column}. */
    public Builder sourceColumn(String table, String column) {
      sourceColumns.put(qualify(table), requireColumn(column));
      return this;
    }

    /**
     * A change to {@code table} affects the view rows {@code sql} selects (as text), given the
     * changed rows' {@code column} values as its single (text) array parameter.
     */
    public Builder sourceQuery(String table, String column, String sql) {
      sourceQueries.put(qualify(table), new SourceQuery(requireColumn(column), requireOneParameter("sourceQuery", sql)));
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public ViewMaintainer build() {
      if (upsertSql == null) {
        throw new IllegalStateException("view " + view + ": upsertSql is required");
      }
      if (sourceColumns.isEmpty() && sourceQueries.isEmpty()) {
        throw new IllegalStateException("view " + view + ": name at least one source (sourceColumn/sourceQuery)");
      }
      return new ViewMaintainer(this);
    }

    private static String qualify(String table) {
      Objects.requireNonNull(table, "table");
      return table.contains(".") ? table : "public." + table;
    }

    private static String requireColumn(String column) {
      if (column == null || !column.matches("[A-Za-z_][A-Za-z0-9_$]*")) {
        throw new IllegalArgumentException("column must be an identifier, was '" + column + "'");
      }
      return column;
    }

    private static String requireOneParameter(String what, String sql) {
      Objects.requireNonNull(sql, what);
      if (sql.chars().filter(ch -> ch == '?').count() != 1) {
        throw new IllegalArgumentException(what + " must have exactly one '?' (the key array), was: " + sql);
      }
      return sql;
    }
  }
}
