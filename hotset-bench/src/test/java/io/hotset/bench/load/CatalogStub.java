package io.hotset.bench.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the catalog service with the HTTP contract of DESIGN.md and exact counters:
 * GET/PUT /products/{id}, GET /metrics, POST /admin/invalidate. A product read is an L1 hit when
 * the id is cached, else an L1 miss, an L2 miss and one database query that caches it (ids beyond
 * {@code products} are cached as absent and answered 404), until {@link #ttlMillis}. A PUT is one database query and drops
 * the entry; an invalidation drops the entries of its {@code product:<id>} tags.
 */
final class CatalogStub implements AutoCloseable {
  private static final Pattern PRODUCT = Pattern.compile("/products/(\\d+)");
  private static final Pattern TAG = Pattern.compile("\"product:(\\d+)\"");
  static final String TOKEN = "s3cret";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final int products;
  /** id -> when its entry expires ({@link System#nanoTime()}). */
  private final ConcurrentHashMap<Long, Long> cached = new ConcurrentHashMap<>();
  /** Entry lifetime; 0 for none. One load per key per expiry (the first reader loads, atomically). */
  volatile long ttlMillis;

  final AtomicLong gets = new AtomicLong();
  final AtomicLong puts = new AtomicLong();
  final AtomicLong l1Hit = new AtomicLong();
  final AtomicLong l1Miss = new AtomicLong();
  final AtomicLong l1Negative = new AtomicLong();
  final AtomicLong l2Miss = new AtomicLong();
  final AtomicLong dbProduct = new AtomicLong();
  final AtomicLong dbUpdate = new AtomicLong();
  final AtomicLong edgeHits = new AtomicLong();
  final AtomicLong admin = new AtomicLong();
  final AtomicLong adminRejected = new AtomicLong();
  final AtomicLong invalidatedTags = new AtomicLong();
  /** How long GET /metrics stalls before answering (a stopped or overloaded service). */
  volatile long metricsDelayMillis;
  /** How long a product read stalls before answering. */
  volatile long productDelayMillis;
  /**
   * How many product reads that need a load are shed with {@code 503} (a full bulkhead) before
   * loads succeed; a shed read loads nothing.
   */
  final AtomicLong shedLoads = new AtomicLong();
  /** Ids whose loads are always shed (a load that never gets a slot). */
  final java.util.Set<Long> alwaysShed = ConcurrentHashMap.newKeySet();
  /** Product reads answered 503. */
  final AtomicLong shed = new AtomicLong();
  /** The Accept-Encoding values of product reads ("" for none), counted. */
  final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> acceptEncodings =
      new java.util.concurrent.ConcurrentHashMap<>();

  CatalogStub(int products) throws IOException {
    // without it the server's separate header and body writes meet delayed ACKs: ~40 ms a request
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.products = products;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(executor);
    server.createContext("/products/", this::product);
    server.createContext("/metrics", this::metrics);
    server.createContext("/admin/invalidate", this::invalidate);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void product(HttpExchange ex) throws IOException {
    Matcher m = PRODUCT.matcher(ex.getRequestURI().getPath());
    if (!m.matches()) {
      send(ex, 400, "{\"error\":\"malformed id\"}", null);
      return;
    }
    long id = Long.parseLong(m.group(1));
    ex.getRequestBody().readAllBytes();
    if (ex.getRequestMethod().equals("PUT")) {
      puts.incrementAndGet();
      dbUpdate.incrementAndGet();
      cached.remove(id);
      send(ex, id <= products ? 200 : 404, "{\"id\":" + id + "}", null);
      return;
    }
    gets.incrementAndGet();
    String ae = ex.getRequestHeaders().getFirst("Accept-Encoding");
    acceptEncodings.computeIfAbsent(ae == null ? "" : ae, k -> new AtomicLong()).incrementAndGet();
    if (productDelayMillis > 0) {
      try {
        Thread.sleep(productDelayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    boolean exists = id <= products;
    long now = System.nanoTime();
    boolean[] loaded = {false};
    boolean[] shedIt = {false};
    cached.compute(id, (k, expires) -> {
      if (expires != null && expires - now > 0) {
        return expires;
      }
      if (alwaysShed.contains(k) || shedLoads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        shedIt[0] = true;
        return expires;
      }
      loaded[0] = true;
      return ttlMillis > 0 ? now + ttlMillis * 1_000_000 : Long.MAX_VALUE;
    });
    if (shedIt[0]) {
      shed.incrementAndGet();
      send(ex, 503, "{\"error\":\"bulkhead full\"}", null);
      return;
    }
    boolean hit = !loaded[0];
    if (hit) {
      (exists ? l1Hit : l1Negative).incrementAndGet();
      edgeHits.incrementAndGet();
    } else {
      l1Miss.incrementAndGet();
      l2Miss.incrementAndGet();
      dbProduct.incrementAndGet();
    }
    send(ex, exists ? 200 : 404, exists ? "{\"id\":" + id + ",\"priceCents\":100}" : "{\"error\":\"not found\"}",
        hit ? "HIT" : "MISS");
  }

  private void metrics(HttpExchange ex) throws IOException {
    ex.getRequestBody().readAllBytes();
    if (metricsDelayMillis > 0) {
      try {
        Thread.sleep(metricsDelayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String body = "# HELP hotset_requests_total lookups\n# TYPE hotset_requests_total counter\n"
        + line("l1", "hit", l1Hit) + line("l1", "miss", l1Miss) + line("l1", "negative", l1Negative)
        + "hotset_requests_total{region=\"product\",tier=\"l1\",result=\"stale\"} 0.0\n"
        + line("l2", "miss", l2Miss)
        + "hotset_requests_total{region=\"session\",tier=\"l1\",result=\"hit\"} 12345.0\n"
        + "# TYPE catalog_db_queries_total counter\n"
        + "catalog_db_queries_total{query=\"product\"} " + dbProduct.get() + ".0\n"
        + "catalog_db_queries_total{query=\"product_update\"} " + dbUpdate.get() + ".0\n";
    send(ex, 200, body, null);
  }

  private static String line(String tier, String result, AtomicLong v) {
    return "hotset_requests_total{region=\"product\",tier=\"" + tier + "\",result=\"" + result + "\"} " + v.get()
        + ".0\n";
  }

  private void invalidate(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))
        || !ex.getRequestMethod().equals("POST")) {
      adminRejected.incrementAndGet();
      send(ex, 401, "{\"error\":\"unauthorized\"}", null);
      return;
    }
    admin.incrementAndGet();
    Matcher m = TAG.matcher(body);
    while (m.find()) {
      invalidatedTags.incrementAndGet();
      cached.remove(Long.parseLong(m.group(1)));
    }
    send(ex, 204, null, null);
  }

  private static void send(HttpExchange ex, int status, String body, String xCache) throws IOException {
    if (xCache != null) {
      ex.getResponseHeaders().set("X-Cache", xCache);
    }
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
