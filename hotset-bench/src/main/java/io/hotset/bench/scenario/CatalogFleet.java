package io.hotset.bench.scenario;

import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The catalog system of seed 000 on this machine, for load scenarios: a real PostgreSQL (with
 * {@code pg_stat_statements}), a real Redis, and N catalog service instances, each a separate
 * JVM running {@code hotset-catalog/target/hotset-catalog.jar} configured only by the
 * contract's environment variables. Instances can be restarted with other settings (e.g.
 * {@code HOTSET_CACHE=off} for the baseline) against the same, already seeded database.
 */
public final class CatalogFleet implements AutoCloseable {
  /** The product read the cache-miss path runs; counted by pg_stat_statements. */
  static final String PRODUCT_QUERY_LIKE = "%FROM product_view WHERE product_id = $1%";

  private final PostgresServer pg;
  private final RedisServer redis;
  private final Path jar;
  private final Path workDir;
  private final PrintStream log;
  private final List<Instance> instances = new ArrayList<>();

  /** One service process. */
  public static final class Instance {
    final Process process;
    final int port;
    final Path dataDir;

    Instance(Process process, int port, Path dataDir) {
      this.process = process;
      this.port = port;
      this.dataDir = dataDir;
    }

    public URI url() {
      return URI.create("http://127.0.0.1:" + port);
    }

    public long pid() {
      return process.pid();
    }
  }

  private CatalogFleet(PostgresServer pg, RedisServer redis, Path jar, Path workDir, PrintStream log) {
    this.pg = pg;
    this.redis = redis;
    this.jar = jar;
    this.workDir = workDir;
    this.log = log;
  }

  /** Starts PostgreSQL and Redis (not yet any service instance). */
  public static CatalogFleet start(Path catalogJar, PrintStream log) throws IOException {
    if (!Files.isRegularFile(catalogJar)) {
      throw new IllegalStateException("no catalog jar at " + catalogJar.toAbsolutePath()
          + "; build it first: mvn -pl hotset-catalog -am package -DskipTests");
    }
    Path work = Files.createTempDirectory("hotset-fleet-");
    log.println("fleet: starting PostgreSQL and Redis");
    PostgresServer pg = PostgresServer.builder().start();
    RedisServer redis;
    try {
      redis = RedisServer.builder().start();
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
    if (!pg.preloadsPgStatStatements()) {
      log.println("fleet: WARNING: pg_stat_statements is not available; PostgreSQL-side query counts are missing");
    }
    return new CatalogFleet(pg, redis, catalogJar, work, log);
  }

  public PostgresServer postgres() {
    return pg;
  }

  public RedisServer redis() {
    return redis;
  }

  public List<Instance> instances() {
    return List.copyOf(instances);
  }

  /** Comma-separated base URLs of the running instances (the harness's --target). */
  public String targets() {
    return instances.stream().map(i -> i.url().toString()).collect(Collectors.joining(","));
  }

  /**
   * Starts {@code n} instances with the contract's variables plus {@code extraEnv} and the
   * {@code -Dhotset.fleet.env.*} overrides ({@link #envFromProperties}); waits until each
   * answers {@code /health}. The first start seeds the empty database with {@code seedProducts}.
   */
  public void startInstances(int n, int seedProducts, Map<String, String> extraEnv) throws Exception {
    Map<String, String> overrides = envFromProperties(System.getProperties());
    if (!overrides.isEmpty()) {
      log.println("fleet: instance environment from -D" + ENV_PROPERTY_PREFIX + "*: " + overrides);
    }
    Map<String, String> env = new LinkedHashMap<>(extraEnv);
    env.putAll(overrides);
    List<CompletableFuture<Instance>> starts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = instances.size() + i;
      starts.add(CompletableFuture.supplyAsync(() -> startInstance(index, seedProducts, env)));
    }
    for (CompletableFuture<Instance> f : starts) {
      instances.add(f.get(10, TimeUnit.MINUTES));
    }
  }

  /** Prefix of system properties passed to every instance as environment variables (experiments). */
  public static final String ENV_PROPERTY_PREFIX = "hotset.fleet.env.";

  /**
   * The instance environment set with {@code -Dhotset.fleet.env.NAME=value}, e.g.
   * {@code -Dhotset.fleet.env.HOTSET_HTTP_THREADS=250}; they override the scenario's own values.
   */
  static Map<String, String> envFromProperties(java.util.Properties props) {
    Map<String, String> env = new java.util.TreeMap<>();
    for (String name : props.stringPropertyNames()) {
      if (name.startsWith(ENV_PROPERTY_PREFIX) && name.length() > ENV_PROPERTY_PREFIX.length()) {
        env.put(name.substring(ENV_PROPERTY_PREFIX.length()), props.getProperty(name));
      }
    }
    return env;
  }

  private Instance startInstance(int index, int seedProducts, Map<String, String> extraEnv) {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Path data = workDir.resolve("instance-" + index);
      Files.createDirectories(data);
      Map<String, String> env = new LinkedHashMap<>();
      env.put("HOTSET_HTTP_PORT", Integer.toString(port));
      env.put("HOTSET_DB_URL", pg.jdbcUrl());
      env.put("HOTSET_DB_USER", pg.user());
      env.put("HOTSET_DB_PASSWORD", pg.password());
      env.put("HOTSET_REDIS_URL", redis.uri());
      env.put("HOTSET_SEED_PRODUCTS", Integer.toString(seedProducts));
      env.put("HOTSET_DATA_DIR", data.toString());
      env.putAll(extraEnv);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-XX:+UseParallelGC",
          "-jar", jar.toString())
          .redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("HOTSET_"));
      pb.environment().putAll(env);
      Process p = pb.start();
      Path logFile = data.resolve("service.log");
      CompletableFuture<Boolean> ready = new CompletableFuture<>();
      Thread pump = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintStream out = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8)) {
          String line;
          while ((line = r.readLine()) != null) {
            out.println(line);
            if (line.contains("seeded") || line.contains("seeding")) {
              log.println("instance " + index + ": " + line);
            }
            if (line.contains("ready at")) {
              ready.complete(true);
            }
          }
        } catch (IOException e) {
          // process gone
        } finally {
          ready.complete(false);
        }
      }, "fleet-log-" + index);
      pump.setDaemon(true);
      pump.start();
      Boolean ok = ready.get(10, TimeUnit.MINUTES);
      if (!ok) {
        throw new IllegalStateException("catalog instance " + index + " exited before it was ready; log: " + logFile
            + "\n" + tail(logFile));
      }
      log.printf("fleet: instance %d ready on port %d (pid %d)%n", index, port, p.pid());
      return new Instance(p, port, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("starting catalog instance " + index + ": " + e.getMessage(), e);
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Stops every instance (SIGTERM, then SIGKILL after 15 s). */
  public void stopInstances() throws InterruptedException {
    for (Instance i : instances) {
      i.process.destroy();
    }
    for (Instance i : instances) {
      if (!i.process.waitFor(15, TimeUnit.SECONDS)) {
        i.process.destroyForcibly();
        i.process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    instances.clear();
  }

  /** Zeroes pg_stat_statements. */
  public void resetQueryStats() throws SQLException {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      st.execute("SELECT pg_stat_statements_reset()");
    }
  }

  /** How many times PostgreSQL executed the product read (pg_stat_statements), or -1 if unavailable. */
  public long productQueryCalls() throws SQLException {
    try (Connection c = connect(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query LIKE '"
             + PRODUCT_QUERY_LIKE + "'")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
  }

  @Override
  public void close() throws Exception {
    try {
      stopInstances();
    } finally {
      try {
        redis.close();
      } finally {
        pg.close();
        if (Boolean.getBoolean("hotset.keepLogs")) {
          log.println("fleet: kept " + workDir);
          return;
        }
        try (Stream<Path> files = Files.walk(workDir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          log.println("fleet: could not delete " + workDir + ": " + e);
        }
      }
    }
  }

  /** A duration in the contract's format ({@code 60s}). */
  static String seconds(Duration d) {
    return d.toSeconds() + "s";
  }
}
