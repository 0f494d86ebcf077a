package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hotset.http.spi.EdgePurger;
import io.hotset.http.spi.PurgeResult;
import io.hotset.testkit.VarnishServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped VCL in a real varnishd in front of a small JDK HTTP origin. Each test uses its own paths, and
 * the origin counts the requests that reach it per path: a response served by Varnish leaves the count alone.
 */
class VarnishEdgeIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final CacheControl SHARED =
      CacheControl.publicFor(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(300));
  private static final CacheControl SHORT_WITH_GRACE =
      CacheControl.publicFor(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ZERO);
  private static final StrongRoutePolicy STRONG = StrongRoutePolicy.of("/strong/");

  private static final Map<String, AtomicInteger> HITS = new ConcurrentHashMap<>();
  private static HttpServer origin;
  private static ExecutorService originThreads;
  private static VarnishServer varnish;
  private static SimpleMeterRegistry registry;
  private static EdgePurger purger;

  @BeforeAll
  static void start() throws IOException {
    originThreads = Executors.newCachedThreadPool();
    origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    origin.createContext("/", VarnishEdgeIT::handle);
    origin.setExecutor(originThreads);
    origin.start();
    varnish = VarnishServer.builder()
        .vcl(VarnishVcl.template())
        .backend("127.0.0.1", origin.getAddress().getPort())
        .start();
    registry = new SimpleMeterRegistry();
    purger = EdgePurgers.varnish(varnish.baseUri(), VarnishPurgeOptions.builder().meterRegistry(registry).build());
  }

  @AfterAll
  static void stop() {
    if (purger != null) {
      purger.close();
    }
    if (varnish != null) {
      varnish.close();
    }
    if (origin != null) {
      origin.stop(0);
      originThreads.shutdownNow();
    }
  }

  /**
   * The origin. Paths choose the behaviour; the body names the path, the request's user and how many
   * requests for the path reached the origin so far ({@code #n}).
   */
  private static void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().toString();
    int n = HITS.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    Map<String, String> headers = new LinkedHashMap<>();
    int status = 200;
    long delayMillis = 0;
    if (path.startsWith("/products/")) {
      headers.put("Cache-Control", SHARED.toHeaderValue());
      headers.put(SurrogateKeys.XKEY_HEADER, SurrogateKeys.headerValue(
          SurrogateKeys.key("product", segment(path, 2)), "category:" + (segment(path, 2).compareTo("3") < 0 ? "A" : "B")));
      headers.put("ETag", ETags.strong(n));
    } else if (path.startsWith("/legacy/")) {
      headers.put("Cache-Control", SHARED.toHeaderValue());
      headers.put(SurrogateKeys.SURROGATE_KEY_HEADER, "legacy " + segment(path, 2));
    } else if (path.startsWith("/personal/")) {
      // A careless handler: it says public although the answer depends on the user.
      headers.put("Cache-Control", SHARED.toHeaderValue());
    } else if (path.startsWith("/cookie/")) {
      headers.put("Cache-Control", SHARED.toHeaderValue());
      headers.put("Set-Cookie", "session=s" + n + "; Path=/; HttpOnly");
    } else if (path.startsWith("/grace/")) {
      headers.put("Cache-Control", SHORT_WITH_GRACE.toHeaderValue());
      delayMillis = n > 1 ? 2_000 : 0; // the refresh is slow
    } else if (path.startsWith("/flaky/")) {
      headers.put("Cache-Control", SHORT_WITH_GRACE.toHeaderValue());
      status = n > 1 ? 500 : 200; // the origin breaks after the first answer
    } else if (path.startsWith("/nograce/")) {
      headers.put("Cache-Control", CacheControl.publicFor(Duration.ofSeconds(1)).toHeaderValue());
    } else if (path.startsWith("/mustrevalidate/")) {
      headers.put("Cache-Control", SHORT_WITH_GRACE.toBuilder().mustRevalidate().build().toHeaderValue());
    } else if (path.startsWith("/cold/")) {
      headers.put("Cache-Control", SHARED.toHeaderValue());
      delayMillis = 500;
    } else if (path.startsWith("/strong/")) {
      // The handler asks for caching; the after-handler policy overrides it.
      headers.put("Cache-Control", "public, max-age=60");
      headers.put(SurrogateKeys.XKEY_HEADER, "product:1");
    }
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
    headers.forEach((k, v) -> responseHeaders.put(k, new ArrayList<>(List.of(v))));
    STRONG.enforce(path, responseHeaders); // what Javalin's app.after(...) does in the catalog
    Headers out = exchange.getResponseHeaders();
    responseHeaders.forEach(out::put);
    byte[] body = (path + " for " + (auth == null ? "anonymous" : auth) + " #" + n).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(body);
    }
  }

  private static String segment(String path, int index) {
    return path.split("[/?]")[index];
  }

  private static int originHits(String path) {
    AtomicInteger n = HITS.get(path);
    return n == null ? 0 : n.get();
  }

  private static HttpResponse<String> get(String path, String... headerPairs) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(varnish.uri(path)).timeout(Duration.ofSeconds(20));
    for (int i = 0; i < headerPairs.length; i += 2) {
      b.header(headerPairs[i], headerPairs[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue(VarnishVcl.CACHE_STATUS_HEADER).orElse("(none)");
  }

  private static PurgeResult await(java.util.concurrent.CompletableFuture<PurgeResult> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void repeatedGetsAreServedByVarnish() throws Exception {
    HttpResponse<String> first = get("/products/1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(xCache(first)).isEqualTo("MISS");
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> again = get("/products/1");
      assertThat(xCache(again)).isEqualTo("HIT");
      assertThat(again.body()).isEqualTo(first.body());
      assertThat(again.headers().firstValue("Age")).isPresent();
    }
    assertThat(originHits("/products/1")).isEqualTo(1);
    assertThat(first.headers().firstValue("Cache-Control")).hasValue(SHARED.toHeaderValue());
    assertThat(first.headers().firstValue("ETag")).hasValue("\"v1\"");
    // ban bookkeeping stays inside the edge
    assertThat(first.headers().map()).doesNotContainKeys("xkey", "x-hotset-url");
    assertThat(varnish.awaitCounter("MAIN.cache_hit", 5, Duration.ofSeconds(10))).isGreaterThanOrEqualTo(5);
  }

  @Test
  void aMatchingIfNoneMatchGets304FromTheEdge() throws Exception {
    String etag = get("/products/4").headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> r = get("/products/4", "If-None-Match", etag);
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(xCache(r)).isEqualTo("HIT");
    assertThat(originHits("/products/4")).isEqualTo(1);
  }

  @Test
  void requestsWithAuthorizationAreNeverServedFromCacheNorStored() throws Exception {
    HttpResponse<String> alice = get("/personal/1", "Authorization", "Bearer alice");
    HttpResponse<String> bob = get("/personal/1", "Authorization", "Bearer bob");
    HttpResponse<String> aliceAgain = get("/personal/1", "Authorization", "Bearer alice");
    assertThat(alice.body()).isEqualTo("/personal/1 for Bearer alice #1");
    assertThat(bob.body()).isEqualTo("/personal/1 for Bearer bob #2");
    assertThat(aliceAgain.body()).isEqualTo("/personal/1 for Bearer alice #3");
    assertThat(List.of(xCache(alice), xCache(bob), xCache(aliceAgain))).containsOnly("PASS");

    // Nothing personal was stored: an anonymous request misses, gets its own answer, and that one is cached.
    HttpResponse<String> anonymous = get("/personal/1");
    assertThat(xCache(anonymous)).isEqualTo("MISS");
    assertThat(anonymous.body()).isEqualTo("/personal/1 for anonymous #4");
    assertThat(xCache(get("/personal/1"))).isEqualTo("HIT");
    // ...and is not served to a user with credentials either.
    HttpResponse<String> carol = get("/personal/1", "Authorization", "Bearer carol");
    assertThat(carol.body()).isEqualTo("/personal/1 for Bearer carol #5");
    assertThat(originHits("/personal/1")).isEqualTo(5);
  }

  @Test
  void requestsWithACookieArePassed() throws Exception {
    get("/products/5");
    HttpResponse<String> withCookie = get("/products/5", "Cookie", "session=abc");
    assertThat(xCache(withCookie)).isEqualTo("PASS");
    assertThat(originHits("/products/5")).isEqualTo(2);
  }

  @Test
  void responsesThatSetACookieAreNotCached() throws Exception {
    HttpResponse<String> first = get("/cookie/1");
    HttpResponse<String> second = get("/cookie/1");
    assertThat(first.headers().firstValue("Set-Cookie")).hasValue("session=s1; Path=/; HttpOnly");
    assertThat(second.headers().firstValue("Set-Cookie")).hasValue("session=s2; Path=/; HttpOnly");
    assertThat(List.of(xCache(first), xCache(second))).doesNotContain("HIT");
    assertThat(originHits("/cookie/1")).isEqualTo(2);
  }

  @Test
  void purgeBySurrogateKeyEvictsTaggedResponsesAndKeepsTheRest() throws Exception {
    for (String p : List.of("/products/21", "/products/22", "/products/31")) {
      get(p);
      assertThat(xCache(get(p))).as(p).isEqualTo("HIT");
    }
    double before = registry.get("hotset.edge.purges").tag("result", "success").counter().count();

    PurgeResult r = await(purger.purgeKeys(List.of("product:21")));
    assertThat(r.isComplete()).isTrue();
    assertThat(xCache(get("/products/21"))).isEqualTo("MISS");
    assertThat(originHits("/products/21")).isEqualTo(2);
    assertThat(xCache(get("/products/22"))).isEqualTo("HIT");
    assertThat(xCache(get("/products/31"))).isEqualTo("HIT");

    // category:A tags 21 and 22 ("21" < "3"), category:B tags 31
    assertThat(await(purger.purgeKeys(List.of("category:A"))).isComplete()).isTrue();
    assertThat(xCache(get("/products/21"))).isEqualTo("MISS");
    assertThat(xCache(get("/products/22"))).isEqualTo("MISS");
    assertThat(xCache(get("/products/31"))).isEqualTo("HIT");
    assertThat(registry.get("hotset.edge.purges").tag("result", "success").counter().count()).isEqualTo(before + 2);
  }

  @Test
  void surrogateKeyHeaderWorksLikeXkeyAndKeysMatchOnlyThemselves() throws Exception {
    for (String p : List.of("/legacy/a.b", "/legacy/aXb", "/legacy/a.b.c")) {
      get(p);
      assertThat(xCache(get(p))).as(p).isEqualTo("HIT");
      assertThat(get(p).headers().map()).doesNotContainKey("surrogate-key");
    }
    // "a.b" as a regex would also match "aXb"; as a key it matches only itself (and not "a.b.c").
    assertThat(await(purger.purgeKeys(List.of("a.b"))).isComplete()).isTrue();
    assertThat(xCache(get("/legacy/a.b"))).isEqualTo("MISS");
    assertThat(xCache(get("/legacy/aXb"))).isEqualTo("HIT");
    assertThat(xCache(get("/legacy/a.b.c"))).isEqualTo("HIT");
    // the shared key evicts them all
    assertThat(await(purger.purgeKeys(List.of("legacy"))).isComplete()).isTrue();
    assertThat(xCache(get("/legacy/aXb"))).isEqualTo("MISS");
    assertThat(xCache(get("/legacy/a.b.c"))).isEqualTo("MISS");
  }

  @Test
  void purgeByUrlEvictsExactlyThatUrl() throws Exception {
    List<String> purged = List.of("/products/7?v=1", "/products/8?q=it's+(a)*b$&x=%20");
    List<String> kept = List.of("/products/7?v=2", "/products/7?v=1&more", "/products/8?q=it's+(a)*bb$&x=%20");
    for (String p : purged) {
      get(p);
    }
    for (String p : kept) {
      get(p);
    }
    assertThat(await(purger.purgeUrls(purged)).isComplete()).isTrue();
    for (String p : purged) {
      assertThat(xCache(get(p))).as(p).isEqualTo("MISS");
    }
    for (String p : kept) {
      assertThat(xCache(get(p))).as(p).isEqualTo("HIT");
    }
  }

  @Test
  void aBanWithoutKeysOrUrlsIsRejected() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(varnish.baseUri())
        .method("BAN", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
  }

  @Test
  void graceServesTheExpiredObjectWhileTheSlowOriginRefreshesIt() throws Exception {
    HttpResponse<String> first = get("/grace/1");
    assertThat(first.body()).isEqualTo("/grace/1 for anonymous #1");
    Thread.sleep(1_500); // max-age=1 is over; stale-while-revalidate=30 is not

    long start = System.nanoTime();
    HttpResponse<String> stale = get("/grace/1");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(stale.body()).isEqualTo(first.body());
    assertThat(xCache(stale)).isEqualTo("HIT");
    assertThat(stale.headers().firstValue("X-Cache-Stale")).hasValue("1");
    assertThat(millis).as("served without waiting for the 2 s refresh").isLessThan(1_500);

    // The background refresh reached the origin and, once done, its answer is served.
    awaitOriginHits("/grace/1", 2);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String body;
    do {
      Thread.sleep(200);
      body = get("/grace/1").body();
    } while (!body.endsWith("#2") && System.nanoTime() < deadline);
    assertThat(body).isEqualTo("/grace/1 for anonymous #2");
  }

  @Test
  void withoutStaleWhileRevalidateOrWithMustRevalidateAnExpiredObjectIsNotServed() throws Exception {
    get("/nograce/1");
    get("/mustrevalidate/1");
    Thread.sleep(1_500);
    for (String path : List.of("/nograce/1", "/mustrevalidate/1")) {
      HttpResponse<String> r = get(path);
      assertThat(xCache(r)).as(path).isEqualTo("MISS");
      assertThat(r.body()).as(path).endsWith("#2");
    }
  }

  @Test
  void aFailedBackgroundRefreshKeepsServingTheStaleObject() throws Exception {
    HttpResponse<String> first = get("/flaky/1");
    Thread.sleep(1_500);
    assertThat(get("/flaky/1").body()).isEqualTo(first.body()); // stale; starts a refresh that gets a 500
    awaitOriginHits("/flaky/1", 2);
    Thread.sleep(300);
    HttpResponse<String> afterFailure = get("/flaky/1");
    assertThat(afterFailure.statusCode()).isEqualTo(200);
    assertThat(afterFailure.body()).isEqualTo(first.body());
  }

  @Test
  void concurrentMissesForOneUrlCoalesceIntoOneOriginRequest() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        calls.add(() -> get("/cold/1"));
      }
      for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
        assertThat(f.get().body()).isEqualTo("/cold/1 for anonymous #1");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(originHits("/cold/1")).isEqualTo(1);
  }

  @Test
  void strongRoutesAreNoStoreAndNeverCachedWhateverTheHandlerSaid() throws Exception {
    HttpResponse<String> first = get("/strong/products/1");
    HttpResponse<String> second = get("/strong/products/1");
    assertThat(first.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(first.body()).endsWith("#1");
    assertThat(second.body()).endsWith("#2");
    assertThat(xCache(second)).isNotEqualTo("HIT");
    assertThat(originHits("/strong/products/1")).isEqualTo(2);
    assertThat(first.headers().map()).doesNotContainKey("xkey");
  }

  private static void awaitOriginHits(String path, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (originHits(path) < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(originHits(path)).as("origin requests for " + path).isGreaterThanOrEqualTo(n);
  }
}
