package io.hotset.postgres;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Refreshes an aggregate materialized view on a schedule with
 * {@code REFRESH MATERIALIZED VIEW CONCURRENTLY} (readers keep reading the old contents while it
 * runs; the view needs a unique index). With several instances, a transaction-scoped advisory
 * lock lets one refresh per period and the others skip. Logical replication does not carry
 * materialized views, so {@code afterRefresh} is where the caller invalidates what it cached
 * from the view. Metrics: {@code hotset_matview_refresh_seconds{view}},
 * {@code hotset_matview_refresh_failures_total{view}}.
 */
public final class MaterializedViewRefresher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MaterializedViewRefresher.class.getName());

  private final DataSource dataSource;
  private final String view;
  private final Runnable afterRefresh;
  private final Timer timer;
  private final Counter failures;
  private final ScheduledExecutorService scheduler;

  private MaterializedViewRefresher(DataSource dataSource, String view, Duration every, Runnable afterRefresh,
      MeterRegistry registry) {
    this.dataSource = dataSource;
    this.view = view;
    this.afterRefresh = afterRefresh;
    this.timer = Timer.builder("hotset.matview.refresh").tag("view", view).register(registry);
    this.failures = Counter.builder("hotset.matview.refresh.failures").tag("view", view).register(registry);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hotset-matview-" + view);
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(this::runQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts refreshing {@code view} every {@code every}.
   *
   * @param view the materialized view, {@code name} or {@code schema.name}
   */
  public static MaterializedViewRefresher schedule(DataSource dataSource, String view, Duration every,
      Runnable afterRefresh, MeterRegistry registry) {
    Objects.requireNonNull(dataSource, "dataSource");
    if (view == null || !view.matches("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?")) {
      throw new IllegalArgumentException("view must be 'name' or 'schema.name', was '" + view + "'");
    }
    if (every == null || every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("refresh interval must be positive, was " + every);
    }
    return new MaterializedViewRefresher(dataSource, view, every, Objects.requireNonNull(afterRefresh,
        "afterRefresh"), Objects.requireNonNull(registry, "registry"));
  }

  /**
   * Refreshes now unless another instance is refreshing.
   *
   * @return whether this call refreshed
   */
  public boolean refreshNow() throws SQLException {
    long start = System.nanoTime();
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext(?))")) {
          ps.setString(1, "hotset-matview:" + view);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
              c.rollback();
              return false;
            }
          }
        }
        try (Statement st = c.createStatement()) {
          st.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + view);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    }
    timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    afterRefresh.run();
    return true;
  }

  private void runQuietly() {
    try {
      refreshNow();
    } catch (Exception e) {
      failures.increment();
      LOG.log(System.Logger.Level.WARNING, "refreshing materialized view " + view + " failed: " + e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
