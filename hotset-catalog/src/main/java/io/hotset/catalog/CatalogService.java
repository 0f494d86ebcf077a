package io.hotset.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hotset.Counters;
import io.hotset.Hotset;
import io.hotset.Loader;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.WriteBehindSpec;
import io.hotset.catalog.internal.CatalogHttpApi;
import io.hotset.catalog.internal.CatalogRepository;
import io.hotset.catalog.internal.LocalPostgres;
import io.hotset.catalog.internal.ProductDoc;
import io.hotset.catalog.internal.ProductFastPath;
import io.hotset.catalog.internal.QueryCounter;
import io.hotset.catalog.internal.SchemaBootstrap;
import io.hotset.catalog.internal.TopList;
import io.hotset.catalog.internal.ViewCounterSink;
import io.hotset.catalog.internal.CatalogChangeCapture;
import io.hotset.catalog.spi.EdgePurge;
import io.hotset.catalog.spi.ReadRouting;
import io.hotset.http.EdgePurgers;
import io.hotset.http.VarnishPurgeOptions;
import io.hotset.http.spi.EdgePurger;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.redis.HotsetRedis;
import io.hotset.spi.KeyFormat;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.HandlerWrapper;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The catalog service, wired: the one composition root. It reads nothing from the environment
 * itself (see {@link CatalogConfig}) and builds, in order: the primary database (external, or the
 * embedded PostgreSQL of {@link LocalPostgres}), the schema and seed, read routing, the Redis tier
 * (if configured), the hotset regions {@code product} and {@code category-top}, the view counter's
 * write-behind buffer, change data capture ({@link CatalogChangeCapture}), the materialized-view
 * refresher and the HTTP server.
 *
 * <p>Other modules plug in through {@link Builder#readRouting} and {@link Builder#edgePurge}; their
 * defaults are primary-only reads and hotset-http's Varnish purger for {@code HOTSET_EDGE_PURGE_URL}
 * (or none).
 */
public final class CatalogService implements AutoCloseable {
  /** How often {@code top_products_per_category} is refreshed concurrently. */
  public static final Duration TOP_REFRESH_INTERVAL = Duration.ofSeconds(60);
  /** Freshness budget of the {@code category-top} region (short: the view changes on refresh). */
  public static final Duration TOP_TTL = Duration.ofSeconds(30);

  private final Deque<AutoCloseable> closeables;
  private final Javalin app;
  private final PrometheusMeterRegistry registry;
  private final Hotset hotset;
  private final DataSource primary;
  private final LocalPostgres embedded;
  private volatile boolean closed;

  private CatalogService(Deque<AutoCloseable> closeables, Javalin app, PrometheusMeterRegistry registry,
      Hotset hotset, DataSource primary, LocalPostgres embedded) {
    this.closeables = closeables;
    this.app = app;
    this.registry = registry;
    this.hotset = hotset;
    this.primary = primary;
    this.embedded = embedded;
  }

  public static Builder builder(CatalogConfig config) {
    return new Builder(config);
  }

  /** Starts a service with the default plug-ins. */
  public static CatalogService start(CatalogConfig config) {
    return builder(config).start();
  }

  /** The bound HTTP port. */
  public int port() {
    return app.port();
  }

  /** {@code http://localhost:<port>}. */
  public URI url() {
    return URI.create("http://localhost:" + port());
  }

  /** The metrics registry ({@code GET /metrics} renders it). */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /** The hotset instance; null when caching is off. */
  public Hotset hotset() {
    return hotset;
  }

  /** The primary database. */
  public DataSource primary() {
    return primary;
  }

  /** The JDBC URL of the embedded PostgreSQL, if this service uses it. */
  public java.util.Optional<String> embeddedJdbcUrl() {
    return java.util.Optional.ofNullable(embedded).map(LocalPostgres::jdbcUrl);
  }

  /** Stops HTTP, flushes the view counter, closes caches and pools, and stops an embedded PostgreSQL it started. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    app.stop();
    closeAll(closeables);
  }

  private static void closeAll(Deque<AutoCloseable> closeables) {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("hotset-catalog: error while closing " + c + ": " + e);
      }
    }
  }

  /** Configures the plug-ins of a {@link CatalogService}; {@link #start()} builds and starts it. */
  public static final class Builder {
    private final CatalogConfig config;
    private boolean changeCapture = true;
    private Function<DataSource, ReadRouting> readRouting;
    private EdgePurge edgePurge;
    private Consumer<Javalin> routes = app -> {};
    private BiConsumer<String, String> requestObserver;
    private PrintStream log = System.out;

    private Builder(CatalogConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Whether to run change data capture from the database's WAL (default on; needs
     * {@code wal_level=logical}, else it is skipped with a message): writes that bypass the
     * service invalidate the caches and purge the edge, and product_view is kept current.
     */
    public Builder changeCapture(boolean enabled) {
      this.changeCapture = enabled;
      return this;
    }

    /**
     * Builds the read routing from the primary (default: hotset-postgres's replica router over
     * {@code HOTSET_DB_REPLICA_URLS} if set, else every read to the primary).
     */
    public Builder readRouting(Function<DataSource, ReadRouting> routing) {
      this.readRouting = Objects.requireNonNull(routing, "readRouting");
      return this;
    }

    /**
     * The edge purger (default: hotset-http's {@link EdgePurgers#varnish Varnish purger}, {@code BAN}
     * with an {@code xkey-purge} header to {@code HOTSET_EDGE_PURGE_URL}, if set; else nothing). Any
     * hotset-http {@link EdgePurger} fits through {@link EdgePurge#of(EdgePurger)}.
     */
    public Builder edgePurge(EdgePurge purge) {
      this.edgePurge = Objects.requireNonNull(purge, "edgePurge");
      return this;
    }

    /** Extra routes (e.g. tests, or an integrator's endpoints), registered after the contract's. */
    public Builder routes(Consumer<Javalin> routes) {
      this.routes = Objects.requireNonNull(routes, "routes");
      return this;
    }

    /**
     * Called with the method and path of every request as it arrives, before any routing (also for
     * the product reads answered ahead of Javalin): access logs, request counts in tests. Must be
     * fast and must not throw.
     */
    public Builder requestObserver(BiConsumer<String, String> observer) {
      this.requestObserver = Objects.requireNonNull(observer, "requestObserver");
      return this;
    }

    /** Where progress lines go (default stdout). */
    public Builder log(PrintStream log) {
      this.log = Objects.requireNonNull(log, "log");
      return this;
    }

    /**
     * Builds and starts the service; on failure everything started so far is closed again.
     *
     * @throws IllegalArgumentException for configuration the service cannot use (names the variable)
     * @throws RuntimeException when the database, Redis or the HTTP port cannot be reached or bound
     */
    public CatalogService start() {
      Deque<AutoCloseable> closeables = new ArrayDeque<>();
      try {
        return doStart(closeables);
      } catch (RuntimeException | Error e) {
        closeAll(closeables);
        throw e;
      }
    }

    private CatalogService doStart(Deque<AutoCloseable> closeables) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      QueryCounter queries = new QueryCounter(registry);

      // 1. The primary database.
      LocalPostgres embedded = null;
      String url;
      String user;
      String password;
      if (config.dbUrl().isPresent()) {
        url = config.dbUrl().get();
        user = config.dbUser().orElse(null);
        password = config.dbPassword().orElse(null);
      } else {
        embedded = LocalPostgres.start(config.dataDir(), log);
        closeables.push(embedded);
        url = embedded.jdbcUrl();
        user = embedded.user();
        password = null;
      }
      HikariDataSource primary = pool("catalog-primary", url, user, password);
      closeables.push(primary);

      // 2. Schema and seed (advisory-locked: safe with several instances starting at once).
      new SchemaBootstrap(primary, queries, log).migrateAndSeed(config.seedProducts());

      // 3. Read routing and the repository.
      ReadRouting routing;
      if (readRouting != null) {
        routing = Objects.requireNonNull(readRouting.apply(primary), "readRouting returned null");
        if (!config.replicaUrls().isEmpty()) {
          log.println("hotset-catalog: a custom ReadRouting is plugged in: HOTSET_DB_REPLICA_URLS ("
              + config.replicaUrls().size() + " replica(s)) is left to it");
        }
      } else if (!config.replicaUrls().isEmpty()) {
        // Cache fills go to replicas that have replayed the change behind the key's last
        // invalidation (its WAL position, from CDC and from our own writes), else to the primary.
        ReplicaRouter.Builder rb = ReplicaRouter.builder().primary(primary).meterRegistry(registry);
        for (int i = 0; i < config.replicaUrls().size(); i++) {
          HikariDataSource replica = replicaPool("catalog-replica" + (i + 1), config.replicaUrls().get(i), user, password);
          closeables.push(replica);
          rb.replica("replica" + (i + 1), replica);
        }
        ReplicaRouter router = rb.build();
        closeables.push(router);
        routing = ReadRouting.replicas(router);
        log.println("hotset-catalog: reading cache fills from " + config.replicaUrls().size()
            + " replica(s) in rotation (lag under " + ReplicaRouter.Builder.DEFAULT_MAX_LAG.toMillis()
            + " ms), never from one behind the change that invalidated the key");
      } else {
        routing = ReadRouting.primaryOnly(primary);
      }
      CatalogRepository repository = new CatalogRepository(routing, queries);
      String instanceId = instanceId(config.dataDir());

      // 4. Caches.
      HotsetRedis redis = null;
      ObjectMapper json = JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();
      Hotset hotset = null;
      Region<Long, ProductDoc> products = null;
      Region<Long, TopList> top = null;
      Duration negativeTtl = config.productTtl().compareTo(Duration.ofSeconds(5)) < 0
          ? config.productTtl() : Duration.ofSeconds(5);
      Duration productStale = config.productTtl().dividedBy(2);
      if (config.cacheEnabled()) {
        Hotset.Builder hb = Hotset.builder().meterRegistry(registry);
        if (config.redisUrl().isPresent()) {
          redis = connectRedis(config.redisUrl().get(), registry);
          closeables.push(redis);
          hb.l2(redis.tier()).invalidationTransport(redis.invalidations());
        }
        hotset = hb.build();
        closeables.push(hotset);
        // The region holds each product rendered (its JSON body and header fields), not the record:
        // hits write bytes as they are, L2 hits parse nothing (ProductDoc).
        products = hotset.region(RegionSpec.builder("product", Long.class, ProductDoc.class)
            .codec(new ProductDoc.Codec())
            .maximumSize(100_000)
            .ttl(config.productTtl())
            .staleWhileRevalidate(productStale)
            .staleIfError(Duration.ofMinutes(5))
            .negativeTtl(negativeTtl)
            .version(ProductDoc::version)
            .tags(p -> List.of("product:" + p.id(), "category:" + p.categoryId()))
            .loader(Loader.positioned((Long id, long min) -> ProductDoc.render(repository.findProduct(id, min), json)))
            .build());
        top = hotset.region(RegionSpec.builder("category-top", Long.class, TopList.class)
            .maximumSize(1_000)
            .ttl(TOP_TTL)
            .staleWhileRevalidate(TOP_TTL)
            .staleIfError(Duration.ofMinutes(5))
            .negativeTtl(negativeTtl)
            .tags(t -> List.of("category:" + t.categoryId(), "top"))
            .loader(Loader.positioned(repository::findTop))
            .build());
      }

      // 5. The view counter: write-behind into product_views, journaled in Redis or the data dir,
      // with a running total per product (Redis INCRBY shared by the fleet, else this process's
      // memory) seeded from product_views, so a count is visible before it is flushed.
      WriteBehindSpec.Builder<Long, Long> views = WriteBehindSpec.counters("views", KeyFormat.standard(Long.class))
          .journalId("views-" + instanceId)
          .sink(new ViewCounterSink(routing.primary(), queries))
          .seed(repository::views)
          .flushInterval(Duration.ofSeconds(1))
          .meterRegistry(registry);
      if (redis != null) {
        views.journal(redis.writeJournal("views-" + instanceId)).totals(redis.counterTotals("views"));
      } else {
        views.journalDirectory(config.dataDir().resolve("journal"))
            .journalDurability(WriteBehindSpec.Durability.PROCESS_CRASH);
      }
      Counters<Long> viewCounter = Counters.open(views.build());
      closeables.push(viewCounter);

      // 6. Edge purge and the change feed. Purges come from this instance's own writes (right after
      // commit and invalidation) and from change data capture, which only the consuming instance runs.
      EdgePurge purge = edgePurge != null ? edgePurge : defaultEdgePurge(registry, closeables);
      Region<Long, TopList> topRegion = top;
      Hotset hotsetForTop = hotset;
      if (hotset != null && changeCapture) {
        CatalogChangeCapture cdc = CatalogChangeCapture.startOrNull(url, user, password, hotset, primary, purge,
            registry, log);
        if (cdc != null) {
          closeables.push(cdc);
        }
      }

      // 7. Periodic REFRESH MATERIALIZED VIEW CONCURRENTLY; the refresher invalidates every top list.
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "catalog-top-refresh");
        t.setDaemon(true);
        return t;
      });
      closeables.push(scheduler::shutdownNow);
      scheduler.scheduleWithFixedDelay(() -> {
        try {
          if (repository.refreshTop()) {
            if (topRegion != null) {
              long position = repository.currentPosition(); // replicas: fills must see the refresh
              if (position > 0) {
                try {
                  hotsetForTop.invalidateConfirmed(topRegion.name(), List.of(), List.of("top"), "refresh",
                      System.currentTimeMillis(), position);
                } catch (io.hotset.InvalidationFailedException e) {
                  // L1 is cleared; L2 or the broadcast did not confirm: the edge is purged all the same
                  log.println("hotset-catalog: top-list invalidation not confirmed: " + e.getMessage());
                }
              } else {
                topRegion.invalidateTag("top");
              }
            }
            purge.purge(List.of("top"));
          }
        } catch (RuntimeException e) {
          log.println("hotset-catalog: refreshing top_products_per_category failed: " + e.getMessage());
        }
      }, TOP_REFRESH_INTERVAL.toMillis(), TOP_REFRESH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

      // 8. HTTP.
      HotsetRedis redisForHealth = redis;
      CatalogHttpApi api = new CatalogHttpApi(new CatalogHttpApi.Parts(repository, hotset, products, top, viewCounter,
          redisForHealth, purge, registry::scrape, config.productTtl(), productStale, negativeTtl, TOP_TTL,
          config.adminToken().orElse(null)), json);
      ProductFastPath fastPath = api.productFastPath(registry);
      BiConsumer<String, String> observer = requestObserver;
      Javalin app = Javalin.create(cfg -> {
        // Cached product reads are answered ahead of Javalin (ProductFastPath), and the observer sees
        // every request first. Javalin attaches its servlet context inside the innermost handler
        // wrapper, so everything else reaches it as before.
        cfg.jetty.modifyServer(server -> {
          if (fastPath != null) {
            wrap(server, fastPath);
          }
          if (observer != null) {
            wrap(server, new HandlerWrapper() {
              @Override
              public void handle(String target, Request base, HttpServletRequest req, HttpServletResponse res)
                  throws IOException, ServletException {
                observer.accept(req.getMethod(), req.getRequestURI());
                super.handle(target, base, req, res);
              }
            });
          }
        });
        // bounded (CatalogConfig.defaultHttpThreads says why); excess requests queue in Jetty
        QueuedThreadPool pool = new QueuedThreadPool(config.httpThreads(), Math.min(8, config.httpThreads()), 60_000);
        pool.setName("hotset-http");
        cfg.jetty.threadPool = pool;
        cfg.showJavalinBanner = false;
        cfg.startupWatcherEnabled = false;
        cfg.jsonMapper(new JavalinJackson(json, false));
        cfg.http.maxRequestSize = 1_000_000L;
        cfg.http.prefer405over404 = true;
      });
      api.register(app);
      routes.accept(app);
      try {
        app.start(config.httpPort());
      } catch (RuntimeException e) {
        if (String.valueOf(e.getMessage()).contains("Insufficient configured threads")) {
          throw new IllegalStateException("HOTSET_HTTP_THREADS=" + config.httpThreads() + " is too few for Jetty's"
              + " acceptors and selectors on " + Runtime.getRuntime().availableProcessors() + " cores: "
              + e.getMessage(), e);
        }
        throw new IllegalStateException("cannot serve HTTP on HOTSET_HTTP_PORT=" + config.httpPort() + ": "
            + e.getMessage(), e);
      }
      return new CatalogService(closeables, app, registry, hotset, primary, embedded);
    }

    /** hotset-http's Varnish purger for {@code HOTSET_EDGE_PURGE_URL}, or none. */
    private EdgePurge defaultEdgePurge(PrometheusMeterRegistry registry, Deque<AutoCloseable> closeables) {
      if (config.edgePurgeUrl().isEmpty()) {
        return EdgePurge.none();
      }
      EdgePurger varnish = EdgePurgers.varnish(config.edgePurgeUrl().get(),
          VarnishPurgeOptions.builder().meterRegistry(registry).build());
      closeables.push(varnish); // closed after change data capture, which purges through it
      log.println("hotset-catalog: edge purges go to " + config.edgePurgeUrl().get() + " (BAN with xkey-purge)");
      return EdgePurge.of(varnish);
    }

    /**
     * A replica's pool: connects on demand and never fails the start (a replica that is down is
     * out of rotation until it answers; the primary serves meanwhile).
     */
    private static HikariDataSource replicaPool(String name, String url, String user, String password) {
      HikariConfig hc = poolConfig(name, url, user, password);
      hc.setMinimumIdle(0);
      hc.setConnectionTimeout(1_000);
      hc.setValidationTimeout(1_000);
      hc.setInitializationFailTimeout(-1);
      return new HikariDataSource(hc);
    }

    private static HikariConfig poolConfig(String name, String url, String user, String password) {
      HikariConfig hc = new HikariConfig();
      hc.setPoolName(name);
      hc.setJdbcUrl(url);
      if (user != null) {
        hc.setUsername(user);
      }
      if (password != null) {
        hc.setPassword(password);
      }
      hc.setMaximumPoolSize(16);
      hc.addDataSourceProperty("ApplicationName", "hotset-catalog");
      return hc;
    }

    private HikariDataSource pool(String name, String url, String user, String password) {
      HikariConfig hc = poolConfig(name, url, user, password);
      hc.setMinimumIdle(2);
      hc.setConnectionTimeout(3_000);
      hc.setValidationTimeout(2_000);
      hc.setInitializationFailTimeout(30_000);
      hc.addDataSourceProperty("reWriteBatchedInserts", "true");
      try {
        return new HikariDataSource(hc);
      } catch (RuntimeException e) {
        throw new IllegalStateException("cannot connect to the database at HOTSET_DB_URL='" + CatalogConfig.mask(url)
            + "': " + rootMessage(e), e);
      }
    }

    private static HotsetRedis connectRedis(String url, io.micrometer.core.instrument.MeterRegistry registry) {
      // The first connection of a cold JVM (Netty and Lettuce class loading) can outlast the 250 ms
      // command timeout on a busy machine: a few attempts before giving up.
      RuntimeException last = null;
      for (int attempt = 1; attempt <= 5; attempt++) {
        try {
          return HotsetRedis.builder().url(url).keyPrefix("catalog").meterRegistry(registry).build();
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("HOTSET_REDIS_URL='" + CatalogConfig.mask(url) + "' " + e.getMessage(), e);
        } catch (RuntimeException e) {
          last = e;
          try {
            Thread.sleep(200L * attempt);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      throw new IllegalStateException("cannot connect to Redis at HOTSET_REDIS_URL='" + CatalogConfig.mask(url)
          + "': " + rootMessage(last), last);
    }

    private static String rootMessage(Throwable e) {
      Throwable t = e;
      while (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      }
      return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void wrap(Server server, HandlerWrapper outer) {
      if (server.getHandler() != null) {
        outer.setHandler(server.getHandler());
      }
      server.setHandler(outer);
    }

    /** A stable id per data directory: names this instance's write-behind journal and checkpoint. */
    private static String instanceId(Path dataDir) {
      Path file = dataDir.resolve("instance-id");
      try {
        Files.createDirectories(dataDir);
        if (Files.exists(file)) {
          String id = Files.readString(file, StandardCharsets.UTF_8).trim();
          if (id.matches("[A-Za-z0-9-]{8,64}")) {
            return id;
          }
        }
        String id = UUID.randomUUID().toString();
        Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
        return id;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read or write " + file + " (HOTSET_DATA_DIR='" + dataDir + "')", e);
      }
    }
  }
}
