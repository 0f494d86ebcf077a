package io.hotset.bench.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one run of the load harness does: whom it drives, which ids it asks for, how many
 * workers for how long, which hooks run when, and where the results go. Immutable; build one with
 * {@link #builder()} (or {@link Scenario#builder()} for a scenario's defaults), which rejects bad
 * values with a message that quotes them.
 *
 * @param targets base URLs of the service (round-robin), or of one edge cache
 * @param metricsTargets where {@code GET /metrics} is scraped (defaults to {@code targets})
 * @param maxRequests bound on measured requests, 0 for none
 * @param hotId the viral id ({@code hotShare} of all reads), 0 for none
 * @param missingShare share of reads for ids beyond {@code products} (penetration)
 * @param missingSpace how many distinct missing ids there are: {@code products+1 .. products+missingSpace}
 * @param phaseNames names of the phases the hooks delimit (hooks + 1 of them), or empty for defaults
 * @param purgeRate {@code POST /admin/invalidate} requests per second during the measurement, 0 for none
 * @param purgeTemplate tag (or key) purged for an id, {@code {id}} replaced
 * @param prewarmKeys ids 1..prewarmKeys read once before the measurement (mass expiry), 0 for none
 * @param prewarmEachTarget read each prewarmed id once on every target, not once in all (every
 *     instance's L1 warm, as in a fleet that has run for a while), instead of once in all
 * @param invalidateAt when set, the prewarmed ids' tags are invalidated at this time (mass expiry)
 * @param ttl the service's product TTL (mass expiry reports when every prewarmed entry expired)
 * @param targetHitRatio the cold start reports when the share of reads served without the database reaches this
 * @param errorBackoff a worker's pause after a transport error (connection refused), so an outage does not spin
 * @param acceptEncoding the {@code Accept-Encoding} of every load request ({@code gzip} by default, as browsers,
 *     CDNs and Varnish's backend fetches send it); empty: no such header, bodies come uncompressed
 */
public record LoadConfig(
    String scenario, List<URI> targets, List<URI> metricsTargets,
    KeyMode keys, double alpha, int products, Path trace, double writeRatio,
    int concurrency, Duration duration, Duration warmup, long maxRequests, long seed,
    long hotId, double hotShare, double missingShare, long missingSpace,
    List<Hook> hooks, List<String> phaseNames,
    String adminToken, double purgeRate, int purgeBatch, String purgeTemplate, boolean purgeKeys,
    int prewarmKeys, boolean prewarmEachTarget, Duration prewarmTimeout, Duration invalidateAt,
    int invalidateBatch, Duration ttl, double targetHitRatio,
    Duration requestTimeout, Duration connectTimeout, Duration scrapeTimeout, Duration hookTimeout,
    Duration errorBackoff, Duration tick, boolean scrapeMetrics, String acceptEncoding,
    Path out, Path plot, Path compare) {

  /** How ids are chosen. */
  public enum KeyMode {
    UNIFORM, ZIPF, TRACE;

    /** Parses {@code uniform|zipf|trace}, any case. */
    public static KeyMode parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--keys must be uniform, zipf or trace, was '" + s + "'");
      }
    }
  }

  /** What browsers, CDNs and Varnish's backend fetches send, in effect. */
  public static final String DEFAULT_ACCEPT_ENCODING = "gzip";

  public LoadConfig {
    targets = List.copyOf(targets);
    metricsTargets = List.copyOf(metricsTargets);
    hooks = List.copyOf(hooks);
    phaseNames = List.copyOf(phaseNames);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The id chooser this configuration describes. */
  public KeyChooser keyChooser() throws java.io.IOException {
    KeyChooser chooser = switch (keys) {
      case UNIFORM -> KeyChooser.uniform(products);
      case ZIPF -> KeyChooser.zipf(products, alpha, seed);
      case TRACE -> KeyChooser.trace(KeyChooser.readTrace(trace));
    };
    if (missingShare > 0) {
      chooser = chooser.withMissing(products, missingSpace, missingShare);
    }
    if (hotId > 0 && hotShare > 0) {
      chooser = chooser.withHotKey(hotId, hotShare);
    }
    return chooser;
  }

  /** The names of the hook-delimited phases: given ones, else before/during/after and the like. */
  public List<String> resolvedPhaseNames() {
    int phases = hooks.size() + 1 + (invalidateAt != null ? 1 : 0);
    if (phaseNames.size() == phases) {
      return phaseNames;
    }
    if (invalidateAt != null && hooks.isEmpty()) {
      return List.of("before-invalidate", "after-invalidate");
    }
    return switch (phases) {
      case 1 -> List.of("measure");
      case 2 -> List.of("before", "after");
      case 3 -> List.of("before", "during", "after");
      default -> {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < phases; i++) {
          names.add("phase" + i);
        }
        yield names;
      }
    };
  }

  /** The settings that shape the load, for the JSON result (no token). */
  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario);
    m.put("targets", targets.stream().map(URI::toString).toList());
    m.put("metricsTargets", metricsTargets.stream().map(URI::toString).toList());
    m.put("keys", keys.name().toLowerCase(Locale.ROOT));
    if (keys == KeyMode.ZIPF) {
      m.put("alpha", alpha);
    }
    m.put("products", products);
    if (trace != null) {
      m.put("trace", trace.toString());
    }
    m.put("writeRatio", writeRatio);
    m.put("concurrency", concurrency);
    m.put("durationSeconds", Durations.seconds(duration));
    m.put("warmupSeconds", Durations.seconds(warmup));
    m.put("maxRequests", maxRequests);
    m.put("seed", seed);
    if (hotId > 0) {
      m.put("hotId", hotId);
      m.put("hotShare", hotShare);
    }
    if (missingShare > 0) {
      m.put("missingShare", missingShare);
      m.put("missingSpace", missingSpace);
    }
    if (purgeRate > 0) {
      m.put("purgeRate", purgeRate);
      m.put("purgeBatch", purgeBatch);
      m.put("purgeTemplate", purgeTemplate);
      m.put("purgeAs", purgeKeys ? "keys" : "tags");
    }
    if (prewarmKeys > 0) {
      m.put("prewarmKeys", prewarmKeys);
      m.put("prewarmEachTarget", prewarmEachTarget);
      m.put("ttlSeconds", Durations.seconds(ttl));
    }
    if (invalidateAt != null) {
      m.put("invalidateAtSeconds", Durations.seconds(invalidateAt));
    }
    m.put("hooks", hooks.stream().map(h -> Map.of("atSeconds", Durations.seconds(h.at()), "command", h.command()))
        .toList());
    m.put("requestTimeoutSeconds", Durations.seconds(requestTimeout));
    m.put("acceptEncoding", acceptEncoding.isEmpty() ? "none" : acceptEncoding);
    return m;
  }

  /** A mutable, unchecked set of options; {@link #build()} validates them. */
  public static final class Builder {
    private String scenario = "run";
    private List<URI> targets = List.of(URI.create("http://127.0.0.1:8080"));
    private List<URI> metricsTargets = List.of();
    private KeyMode keys = KeyMode.ZIPF;
    private double alpha = 0.99;
    private int products = 100_000;
    private Path trace;
    private double writeRatio = 0.01;
    private int concurrency = 32;
    private Duration duration = Duration.ofSeconds(60);
    private Duration warmup = Duration.ofSeconds(10);
    private long maxRequests;
    private long seed = 1;
    private long hotId;
    private double hotShare;
    private double missingShare;
    private long missingSpace;
    private final List<Hook> hooks = new ArrayList<>();
    private List<String> phaseNames = List.of();
    private String adminToken;
    private double purgeRate;
    private int purgeBatch = 10;
    private String purgeTemplate = "product:{id}";
    private boolean purgeKeys;
    private int prewarmKeys;
    private boolean prewarmEachTarget;
    private Duration prewarmTimeout = Duration.ofMinutes(5);
    private Duration invalidateAt;
    private int invalidateBatch = 500;
    private Duration ttl = Duration.ofSeconds(60);
    private double targetHitRatio = 0.9;
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration scrapeTimeout = Duration.ofSeconds(1);
    private Duration hookTimeout = Duration.ofSeconds(30);
    private Duration errorBackoff = Duration.ofMillis(10);
    private Duration tick = Duration.ofSeconds(1);
    private boolean scrapeMetrics = true;
    private String acceptEncoding = DEFAULT_ACCEPT_ENCODING;
    private Path out;
    private Path plot;
    private Path compare;

    private Builder() {}

    public Builder scenario(String v) { scenario = v; return this; }
    public Builder targets(List<URI> v) { targets = List.copyOf(v); return this; }
    public Builder target(String commaSeparated) { targets = uris(commaSeparated); return this; }
    public Builder metricsTargets(List<URI> v) { metricsTargets = List.copyOf(v); return this; }
    public Builder keys(KeyMode v) { keys = v; return this; }
    public Builder alpha(double v) { alpha = v; return this; }
    public Builder products(int v) { products = v; return this; }
    public Builder trace(Path v) { trace = v; return this; }
    public Builder writeRatio(double v) { writeRatio = v; return this; }
    public Builder concurrency(int v) { concurrency = v; return this; }
    /** The measured duration; null lets the scenario derive it (mass expiry: 1.25 x TTL). */
    public Builder duration(Duration v) { duration = v; return this; }
    public Builder warmup(Duration v) { warmup = v; return this; }
    public Builder maxRequests(long v) { maxRequests = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder hotId(long v) { hotId = v; return this; }
    public Builder hotShare(double v) { hotShare = v; return this; }
    public Builder missingShare(double v) { missingShare = v; return this; }
    /** Distinct missing ids; 0 means as many as there are products. */
    public Builder missingSpace(long v) { missingSpace = v; return this; }
    public Builder hook(Hook v) { hooks.add(v); return this; }
    public Builder hooks(List<Hook> v) { hooks.clear(); hooks.addAll(v); return this; }
    public Builder phaseNames(List<String> v) { phaseNames = List.copyOf(v); return this; }
    public Builder adminToken(String v) { adminToken = v; return this; }
    public Builder purgeRate(double v) { purgeRate = v; return this; }
    public Builder purgeBatch(int v) { purgeBatch = v; return this; }
    public Builder purgeTemplate(String v) { purgeTemplate = v; return this; }
    public Builder purgeKeys(boolean v) { purgeKeys = v; return this; }
    /** Ids 1..n read once before the measurement; -1 means all products. */
    public Builder prewarmKeys(int v) { prewarmKeys = v; return this; }
    public Builder prewarmEachTarget(boolean v) { prewarmEachTarget = v; return this; }
    public Builder prewarmTimeout(Duration v) { prewarmTimeout = v; return this; }
    public Builder invalidateAt(Duration v) { invalidateAt = v; return this; }
    public Builder invalidateBatch(int v) { invalidateBatch = v; return this; }
    public Builder ttl(Duration v) { ttl = v; return this; }
    public Builder targetHitRatio(double v) { targetHitRatio = v; return this; }
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
    public Builder scrapeTimeout(Duration v) { scrapeTimeout = v; return this; }
    public Builder hookTimeout(Duration v) { hookTimeout = v; return this; }
    public Builder errorBackoff(Duration v) { errorBackoff = v; return this; }
    public Builder tick(Duration v) { tick = v; return this; }
    public Builder scrapeMetrics(boolean v) { scrapeMetrics = v; return this; }
    /** The load requests' {@code Accept-Encoding}; empty or {@code none} sends none. */
    public Builder acceptEncoding(String v) { acceptEncoding = v; return this; }
    public Builder out(Path v) { out = v; return this; }
    public Builder plot(Path v) { plot = v; return this; }
    public Builder compare(Path v) { compare = v; return this; }

    /**
     * The checked configuration.
     *
     * @throws IllegalArgumentException quoting the first bad value
     */
    public LoadConfig build() {
      check(targets != null && !targets.isEmpty(), "at least one --target is required");
      for (URI t : targets) {
        checkUri(t);
      }
      List<URI> metrics = metricsTargets.isEmpty() ? targets : metricsTargets;
      for (URI t : metrics) {
        checkUri(t);
      }
      check(keys != null, "--keys is required");
      check(products >= 1, "--products must be >= 1, was " + products);
      check(alpha >= 0 && Double.isFinite(alpha), "--alpha must be finite and >= 0, was " + alpha);
      check(keys != KeyMode.TRACE || trace != null, "--keys trace needs --trace <file>");
      check(trace == null || java.nio.file.Files.isReadable(trace), "--trace file is not readable: " + trace);
      check(writeRatio >= 0 && writeRatio <= 1, "--write-ratio must be in [0, 1], was " + writeRatio);
      check(concurrency >= 1 && concurrency <= 4096, "--concurrency must be in [1, 4096], was " + concurrency);
      check(warmup != null && !warmup.isNegative(), "--warmup must be >= 0, was " + warmup);
      check(maxRequests >= 0, "--max-requests must be >= 0, was " + maxRequests);
      check(hotId >= 0, "--hot-id must be >= 0, was " + hotId);
      check(hotShare >= 0 && hotShare <= 1, "--hot-share must be in [0, 1], was " + hotShare);
      check(missingShare >= 0 && missingShare <= 1, "--missing-share must be in [0, 1], was " + missingShare);
      check(missingSpace >= 0, "--missing-space must be >= 0, was " + missingSpace);
      long space = missingSpace == 0 ? products : missingSpace;
      check(purgeRate >= 0 && purgeRate <= 10_000, "--purge-rate must be in [0, 10000], was " + purgeRate);
      check(purgeBatch >= 1 && purgeBatch <= 100_000, "--purge-batch must be in [1, 100000], was " + purgeBatch);
      check(purgeTemplate != null && purgeTemplate.contains("{id}"),
          "--purge-template must contain {id}, was '" + purgeTemplate + "'");
      boolean needsToken = purgeRate > 0 || invalidateAt != null;
      check(!needsToken || (adminToken != null && !adminToken.isBlank()),
          "--admin-token is required for " + (purgeRate > 0 ? "--purge-rate" : "--invalidate-at")
              + " (POST /admin/invalidate)");
      check(prewarmKeys >= -1, "--prewarm-keys must be >= 0 (or -1 for all), was " + prewarmKeys);
      int prewarm = prewarmKeys == -1 ? products : prewarmKeys;
      check(prewarm <= products, "--prewarm-keys must be <= --products (" + products + "), was " + prewarm);
      check(invalidateAt == null || prewarm > 0, "--invalidate-at invalidates the prewarmed ids: set --prewarm-keys");
      check(invalidateBatch >= 1, "--invalidate-batch must be >= 1, was " + invalidateBatch);
      check(ttl != null && !ttl.isNegative() && !ttl.isZero(), "--ttl must be > 0, was " + ttl);
      check(targetHitRatio > 0 && targetHitRatio <= 1, "--target-hit-ratio must be in (0, 1], was " + targetHitRatio);
      Duration measured = duration;
      if (measured == null) {
        measured = invalidateAt != null ? invalidateAt.plus(ttl.dividedBy(2))
            : prewarm > 0 ? Duration.ofMillis(ttl.toMillis() * 5 / 4) : Duration.ofSeconds(60);
      }
      check(!measured.isNegative() && !measured.isZero(), "--duration must be > 0, was " + Durations.format(measured));
      check(measured.compareTo(Duration.ofDays(7)) <= 0, "--duration must be <= 7 days, was " + measured);
      for (Hook h : hooks) {
        check(h.at().compareTo(measured) < 0, "hook at " + Durations.format(h.at()) + " is not before the end of the "
            + Durations.format(measured) + " run: '" + h.command() + "'");
      }
      check(invalidateAt == null || invalidateAt.compareTo(measured) < 0,
          "--invalidate-at " + Durations.format(invalidateAt == null ? Duration.ZERO : invalidateAt)
              + " is not before the end of the " + Durations.format(measured) + " run");
      positive(requestTimeout, "--timeout");
      positive(connectTimeout, "--connect-timeout");
      positive(scrapeTimeout, "--scrape-timeout");
      positive(hookTimeout, "--hook-timeout");
      positive(tick, "--tick");
      positive(prewarmTimeout, "--prewarm-timeout");
      check(errorBackoff != null && !errorBackoff.isNegative(), "--error-backoff must be >= 0, was " + errorBackoff);
      check(acceptEncoding != null, "--accept-encoding must not be null");
      String encoding = acceptEncoding.strip();
      if (encoding.equalsIgnoreCase("none")) {
        encoding = "";
      }
      check(encoding.length() <= 200 && encoding.chars().allMatch(c -> c >= 0x20 && c < 0x7f),
          "--accept-encoding must be printable ASCII of at most 200 characters (or 'none'), was '"
              + acceptEncoding.replace("\r", "\\r").replace("\n", "\\n") + "'");
      List<Hook> sorted = new ArrayList<>(hooks);
      sorted.sort(Comparator.comparing(Hook::at));
      return new LoadConfig(scenario, targets, metrics, keys, alpha, products, trace, writeRatio, concurrency,
          measured, warmup, maxRequests, seed, hotId, hotShare, missingShare, space, sorted, phaseNames,
          adminToken, purgeRate, purgeBatch, purgeTemplate, purgeKeys, prewarm, prewarmEachTarget, prewarmTimeout,
          invalidateAt,
          invalidateBatch, ttl, targetHitRatio, requestTimeout, connectTimeout, scrapeTimeout, hookTimeout,
          errorBackoff, tick, scrapeMetrics, encoding, out, plot, compare);
    }

    private static void positive(Duration d, String name) {
      check(d != null && !d.isNegative() && !d.isZero(), name + " must be > 0, was " + d);
    }

    private static void checkUri(URI t) {
      check(t.getScheme() != null && (t.getScheme().equals("http") || t.getScheme().equals("https"))
          && t.getHost() != null, "a target must be an http(s)://host[:port] URL, was '" + t + "'");
    }

    private static void check(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }

    /** Comma-separated base URLs; a trailing slash is dropped. */
    static List<URI> uris(String commaSeparated) {
      List<URI> out = new ArrayList<>();
      for (String s : commaSeparated.split(",")) {
        String t = s.strip();
        if (t.isEmpty()) {
          continue;
        }
        while (t.endsWith("/")) {
          t = t.substring(0, t.length() - 1);
        }
        try {
          out.add(new URI(t));
        } catch (java.net.URISyntaxException e) {
          throw new IllegalArgumentException("not a URL: '" + s.strip() + "'");
        }
      }
      return out;
    }
  }
}
