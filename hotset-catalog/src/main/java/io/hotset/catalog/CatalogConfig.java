package io.hotset.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog service's configuration, read only from the environment variables of the design's
 * contract table plus three documented extensions ({@code HOTSET_CACHE}, {@code HOTSET_DATA_DIR},
 * {@code HOTSET_HTTP_THREADS}).
 * Immutable; {@link #fromEnvironment(Map)} rejects a bad value with a message naming the variable
 * and quoting the value (credentials in URLs are masked).
 */
public final class CatalogConfig {
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final Duration DEFAULT_PRODUCT_TTL = Duration.ofSeconds(60);
  public static final int DEFAULT_SEED_PRODUCTS = 10_000;
  public static final Path DEFAULT_DATA_DIR = Path.of("hotset-data");
  /** Fewest request threads {@code HOTSET_HTTP_THREADS} accepts (Jetty's acceptor and selector need some). */
  public static final int MIN_HTTP_THREADS = 8;

  /**
   * The default bound of request threads: 8 per core, at least 16. Bounded on purpose: past it
   * requests queue in Jetty instead of all running at once, so the threads that answer them keep
   * the CPU to themselves and to Lettuce's event loop. With Jetty's usual 250 threads, 256 clients
   * on 2 cores left the Redis event loop waiting for a time slice long enough that L2 commands
   * timed out (250 ms), and the fleet lost its single flight (1.5 loads per expired key).
   */
  public static int defaultHttpThreads() {
    return Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
  }

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

  private final int httpPort;
  private final String dbUrl;
  private final String dbUser;
  private final String dbPassword;
  private final List<String> replicaUrls;
  private final String redisUrl;
  private final URI edgePurgeUrl;
  private final String adminToken;
  private final Duration productTtl;
  private final int seedProducts;
  private final boolean cacheEnabled;
  private final Path dataDir;
  private final int httpThreads;

  private CatalogConfig(Builder b) {
    this.httpPort = b.httpPort;
    this.dbUrl = b.dbUrl;
    this.dbUser = b.dbUser;
    this.dbPassword = b.dbPassword;
    this.replicaUrls = List.copyOf(b.replicaUrls);
    this.redisUrl = b.redisUrl;
    this.edgePurgeUrl = b.edgePurgeUrl;
    this.adminToken = b.adminToken;
    this.productTtl = b.productTtl;
    this.seedProducts = b.seedProducts;
    this.cacheEnabled = b.cacheEnabled;
    this.dataDir = b.dataDir.toAbsolutePath().normalize();
    this.httpThreads = b.httpThreads > 0 ? b.httpThreads : defaultHttpThreads();
  }

  /** Reads the configuration from the process environment. */
  public static CatalogConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Reads the configuration from {@code env}; absent or empty variables take their defaults.
   *
   * @throws IllegalArgumentException naming the variable and its (masked) value when a value is invalid
   */
  public static CatalogConfig fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    value(env, "HOTSET_HTTP_PORT").ifPresent(v -> b.httpPort(parseInt("HOTSET_HTTP_PORT", v, 0, 65_535)));
    value(env, "HOTSET_DB_URL").ifPresent(v -> b.dbUrl(requireJdbc("HOTSET_DB_URL", v)));
    value(env, "HOTSET_DB_USER").ifPresent(b::dbUser);
    // An empty password means "none" (trust or peer auth), so an empty value is not an error.
    value(env, "HOTSET_DB_PASSWORD").ifPresent(b::dbPassword);
    value(env, "HOTSET_DB_REPLICA_URLS").ifPresent(v -> {
      List<String> urls = new ArrayList<>();
      for (String u : v.split(",")) {
        if (!u.isBlank()) {
          urls.add(requireJdbc("HOTSET_DB_REPLICA_URLS", u.trim()));
        }
      }
      b.replicaUrls(urls);
    });
    value(env, "HOTSET_REDIS_URL").ifPresent(v -> b.redisUrl(requireRedis(v)));
    value(env, "HOTSET_EDGE_PURGE_URL").ifPresent(v -> b.edgePurgeUrl(requireHttp("HOTSET_EDGE_PURGE_URL", v)));
    value(env, "HOTSET_ADMIN_TOKEN").ifPresent(b::adminToken);
    value(env, "HOTSET_PRODUCT_TTL").ifPresent(v -> b.productTtl(parseDuration("HOTSET_PRODUCT_TTL", v)));
    value(env, "HOTSET_SEED_PRODUCTS")
        .ifPresent(v -> b.seedProducts(parseInt("HOTSET_SEED_PRODUCTS", v, 0, 10_000_000)));
    value(env, "HOTSET_CACHE").ifPresent(v -> {
      switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "on" -> b.cacheEnabled(true);
        case "off" -> b.cacheEnabled(false);
        default -> throw invalid("HOTSET_CACHE", v, "must be 'on' or 'off'");
      }
    });
    value(env, "HOTSET_HTTP_THREADS")
        .ifPresent(v -> b.httpThreads(parseInt("HOTSET_HTTP_THREADS", v, MIN_HTTP_THREADS, 10_000)));
    value(env, "HOTSET_DATA_DIR").ifPresent(v -> {
      try {
        b.dataDir(Path.of(v));
      } catch (RuntimeException e) {
        throw invalid("HOTSET_DATA_DIR", v, "is not a valid path");
      }
    });
    return b.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.httpPort = httpPort;
    b.dbUrl = dbUrl;
    b.dbUser = dbUser;
    b.dbPassword = dbPassword;
    b.replicaUrls = replicaUrls;
    b.redisUrl = redisUrl;
    b.edgePurgeUrl = edgePurgeUrl;
    b.adminToken = adminToken;
    b.productTtl = productTtl;
    b.seedProducts = seedProducts;
    b.cacheEnabled = cacheEnabled;
    b.dataDir = dataDir;
    b.httpThreads = httpThreads;
    return b;
  }

  /** HTTP port; 0 binds any free port. */
  public int httpPort() { return httpPort; }
  /** Primary JDBC URL; empty means the embedded PostgreSQL in {@link #dataDir()}. */
  public Optional<String> dbUrl() { return Optional.ofNullable(dbUrl); }
  public Optional<String> dbUser() { return Optional.ofNullable(dbUser); }
  /** Empty means no password. */
  public Optional<String> dbPassword() { return Optional.ofNullable(dbPassword).filter(p -> !p.isEmpty()); }
  public List<String> replicaUrls() { return replicaUrls; }
  /** Empty means L1 only with in-process invalidation. */
  public Optional<String> redisUrl() { return Optional.ofNullable(redisUrl); }
  public Optional<URI> edgePurgeUrl() { return Optional.ofNullable(edgePurgeUrl); }
  /** Empty means the admin endpoints are off (404). */
  public Optional<String> adminToken() { return Optional.ofNullable(adminToken); }
  public Duration productTtl() { return productTtl; }
  public int seedProducts() { return seedProducts; }
  /** {@code HOTSET_CACHE=off}: no region, no L2, {@code Cache-Control: no-store} everywhere. */
  public boolean cacheEnabled() { return cacheEnabled; }
  /** Embedded PostgreSQL data, the write-behind journal and the instance id live here. */
  public Path dataDir() { return dataDir; }
  /** Most request threads at once ({@code HOTSET_HTTP_THREADS}, default {@link #defaultHttpThreads()}). */
  public int httpThreads() { return httpThreads; }

  @Override
  public String toString() {
    return "CatalogConfig{httpPort=" + httpPort + ", db=" + (dbUrl == null ? "embedded" : mask(dbUrl))
        + ", replicas=" + replicaUrls.size() + ", redis=" + (redisUrl == null ? "none" : mask(redisUrl))
        + ", edgePurge=" + (edgePurgeUrl == null ? "none" : edgePurgeUrl)
        + ", admin=" + (adminToken == null ? "off" : "on") + ", productTtl=" + productTtl
        + ", seedProducts=" + seedProducts + ", cache=" + (cacheEnabled ? "on" : "off")
        + ", dataDir=" + dataDir + ", httpThreads=" + httpThreads + "}";
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  static IllegalArgumentException invalid(String variable, String value, String why) {
    return new IllegalArgumentException(variable + "='" + mask(value) + "' " + why);
  }

  /** Masks passwords in URLs ({@code user:secret@}, {@code password=secret}) before a value is quoted. */
  static String mask(String value) {
    return value.replaceAll("(?i)(password=)[^&;]*", "$1***")
        .replaceAll("(//[^/@:]*:)[^@/]*@", "$1***@")
        .replaceAll("(//)[^/@:]+@", "$1***@");
  }

  private static int parseInt(String variable, String v, int min, int max) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw invalid(variable, v, "must be between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw invalid(variable, v, "is not an integer");
    }
  }

  static Duration parseDuration(String variable, String v) {
    String s = v.trim();
    Duration d;
    Matcher m = SHORT_DURATION.matcher(s.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    } else {
      try {
        d = Duration.parse(s);
      } catch (DateTimeParseException e) {
        throw invalid(variable, v, "is not a duration (ISO-8601 like PT60S, or 60s, 500ms, 5m, 1h)");
      }
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofDays(1)) > 0) {
      throw invalid(variable, v, "must be between 1 s and 1 day");
    }
    return d;
  }

  private static String requireJdbc(String variable, String v) {
    if (!v.startsWith("jdbc:postgresql:")) {
      throw invalid(variable, v, "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
    }
    return v;
  }

  private static String requireRedis(String v) {
    for (String part : v.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        throw invalid("HOTSET_REDIS_URL", v, "has an empty entry");
      }
      if (p.contains("://")) {
        try {
          URI u = new URI(p);
          String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
          if (!List.of("redis", "rediss", "redis-sentinel").contains(scheme) || u.getHost() == null) {
            throw invalid("HOTSET_REDIS_URL", v, "must be redis://host:port, rediss://..., or host:port cluster seeds");
          }
        } catch (URISyntaxException e) {
          throw invalid("HOTSET_REDIS_URL", v, "is not a valid URL");
        }
      } else if (!p.matches("[A-Za-z0-9._\\-\\[\\]:]+:\\d{1,5}")) {
        throw invalid("HOTSET_REDIS_URL", v, "must be redis://host:port, rediss://..., or host:port cluster seeds");
      }
    }
    return v.trim();
  }

  private static URI requireHttp(String variable, String v) {
    try {
      URI u = new URI(v.trim());
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
        throw invalid(variable, v, "must be an http:// or https:// URL");
      }
      return u;
    } catch (URISyntaxException e) {
      throw invalid(variable, v, "is not a valid URL");
    }
  }

  /** Builds a {@link CatalogConfig} (tests and embedding; the service itself reads the environment). */
  public static final class Builder {
    private int httpPort = DEFAULT_HTTP_PORT;
    private String dbUrl;
    private String dbUser;
    private String dbPassword;
    private List<String> replicaUrls = List.of();
    private String redisUrl;
    private URI edgePurgeUrl;
    private String adminToken;
    private Duration productTtl = DEFAULT_PRODUCT_TTL;
    private int seedProducts = DEFAULT_SEED_PRODUCTS;
    private boolean cacheEnabled = true;
    private Path dataDir = DEFAULT_DATA_DIR;
    private int httpThreads;

    private Builder() {}

    public Builder httpPort(int port) { this.httpPort = port; return this; }
    public Builder dbUrl(String url) { this.dbUrl = url; return this; }
    public Builder dbUser(String user) { this.dbUser = user; return this; }
    public Builder dbPassword(String password) { this.dbPassword = password; return this; }
    public Builder replicaUrls(List<String> urls) { this.replicaUrls = List.copyOf(urls); return this; }
    public Builder redisUrl(String url) { this.redisUrl = url; return this; }
    public Builder edgePurgeUrl(URI url) { this.edgePurgeUrl = url; return this; }
    public Builder adminToken(String token) { this.adminToken = token; return this; }
    public Builder productTtl(Duration ttl) { this.productTtl = Objects.requireNonNull(ttl, "productTtl"); return this; }
    public Builder seedProducts(int n) { this.seedProducts = n; return this; }
    public Builder cacheEnabled(boolean enabled) { this.cacheEnabled = enabled; return this; }
    public Builder dataDir(Path dir) { this.dataDir = Objects.requireNonNull(dir, "dataDir"); return this; }
    /** Most request threads at once; 0 for {@link #defaultHttpThreads()}. */
    public Builder httpThreads(int n) { this.httpThreads = n; return this; }

    /** @throws IllegalArgumentException quoting the bad value */
    public CatalogConfig build() {
      if (httpPort < 0 || httpPort > 65_535) {
        throw invalid("HOTSET_HTTP_PORT", Integer.toString(httpPort), "must be between 0 and 65535");
      }
      if (seedProducts < 0) {
        throw invalid("HOTSET_SEED_PRODUCTS", Integer.toString(seedProducts), "must not be negative");
      }
      if (adminToken != null && adminToken.isBlank()) {
        throw invalid("HOTSET_ADMIN_TOKEN", "(blank)", "must not be blank");
      }
      if (httpThreads != 0 && httpThreads < MIN_HTTP_THREADS) {
        throw invalid("HOTSET_HTTP_THREADS", Integer.toString(httpThreads), "must be at least " + MIN_HTTP_THREADS);
      }
      if (productTtl.isNegative() || productTtl.isZero()) {
        throw invalid("HOTSET_PRODUCT_TTL", productTtl.toString(), "must be positive");
      }
      return new CatalogConfig(this);
    }
  }
}
