package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.http.VarnishVcl;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.VarnishServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole edge of seed 000 with real servers: one varnishd running the shipped
 * {@code varnish/catalog.vcl} (hotset-http's {@code hotset.vcl} plus a round-robin director) in
 * front of two catalog instances on one PostgreSQL and one Redis, each purging Varnish through
 * {@code HOTSET_EDGE_PURGE_URL}. Figures (time to visibility, hit counts) are printed with the
 * prefix {@code [edge]} so they can be quoted.
 */
@WithPostgres
@WithRedis
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VarnishEdgeCatalogIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PRODUCTS = 60;
  private static final Duration VISIBILITY_BOUND = Duration.ofSeconds(1);
  private static final String PRODUCT_QUERIES = "catalog_db_queries_total{query=\"product\"}";
  private static final String PURGES_OK = "hotset_edge_purges_total{result=\"success\"}";
  private static final String PURGES_FAILED = "hotset_edge_purges_total{result=\"failure\"}";

  private final List<Path> dirs = new ArrayList<>();
  /** Requests that reached each instance, by path (counted before any handler runs). */
  private final List<Map<String, LongAdder>> reached = List.of(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
  private CatalogService a;
  private CatalogService b;
  private VarnishServer varnish;
  private PostgresServer pg;
  private Http edge;
  private Http onA;
  private Http onB;

  @BeforeAll
  void start(PostgresServer pg, RedisServer redis) throws Exception {
    this.pg = pg;
    // Varnish first (no VCL yet: every request 503), so both instances can be given its URL.
    Path vclDir = TestDirs.create("catalog-vcl-");
    dirs.add(vclDir);
    varnish = VarnishServer.builder().param("vcl_path", vclDir.toString()).start();

    a = startInstance(pg, redis, 0);
    b = startInstance(pg, redis, 1);
    onA = new Http(a.url());
    onB = new Http(b.url());

    // The two files of the documented deployment (README, "Varnish in front"), rendered as an
    // operator would: hotset.vcl for instance 0 on the vcl_path, catalog.vcl naming instance 1.
    writeReadable(vclDir.resolve("hotset.vcl"), VarnishVcl.render("127.0.0.1", a.port()));
    String catalogVcl = resource("/varnish/catalog.vcl")
        .replace("${BACKEND_HOST_1}", "127.0.0.1")
        .replace("${BACKEND_PORT_1}", Integer.toString(b.port()));
    writeReadable(vclDir.resolve("catalog.vcl"), catalogVcl);
    varnish.loadVcl(catalogVcl);
    edge = new Http(varnish.baseUri());
    System.out.println("[edge] varnishd on " + varnish.baseUri() + " in front of A=" + a.url() + " and B=" + b.url()
        + "\n[edge] backends:\n" + varnish.varnishadm("backend.list"));
  }

  private CatalogService startInstance(PostgresServer pg, RedisServer redis, int index) throws IOException {
    Path dir = TestDirs.create("catalog-edge-" + index + "-");
    dirs.add(dir);
    CatalogConfig config = CatalogConfig.builder()
        .httpPort(0)
        .dbUrl(pg.jdbcUrl()).dbUser(pg.user()).dbPassword(pg.password())
        .redisUrl(redis.uri())
        .edgePurgeUrl(varnish.baseUri())
        .seedProducts(PRODUCTS)
        .productTtl(Duration.ofSeconds(60))
        .dataDir(dir)
        .build();
    Map<String, LongAdder> count = reached.get(index);
    Consumer<Javalin> routes = app -> {
      // A handler that tries to make a strong route shareable for a minute.
      app.get("/strong/edge-override", ctx -> {
        ctx.header("Cache-Control", "public, max-age=60");
        ctx.result("instance " + index + " at " + System.nanoTime());
      });
      // A user-dependent answer that a careless handler declares shareable: only the
      // shared-cache rule (origin) and the VCL (edge) keep one user's answer from another.
      app.get("/me", ctx -> {
        String auth = ctx.header("Authorization");
        ctx.header("Cache-Control", "public, max-age=60");
        ctx.json(Map.of("user", auth == null ? "anonymous" : sha256(auth), "instance", index));
      });
    };
    return CatalogService.builder(config).routes(routes)
        .requestObserver((method, path) -> count.computeIfAbsent(path, p -> new LongAdder()).increment())
        .start();
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {a, b, varnish}) {
      if (c != null) {
        c.close();
      }
    }
    for (Path d : dirs) {
      TestDirs.delete(d);
    }
  }

  // ---- (a) repeated reads are served by Varnish ----

  @Test
  void repeatedGetsAreServedByVarnishWithoutReachingTheInstances() throws Exception {
    String path = "/products/1";
    HttpResponse<String> first = edge.get(path);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Cache")).contains("MISS");
    assertThat(first.headers().firstValue("xkey")).as("surrogate keys stay inside the edge").isEmpty();
    assertThat(first.headers().firstValue("Vary")).contains("Accept-Encoding");
    long reachedBefore = reached(path);
    double queriesBefore = sumOfBoth(PRODUCT_QUERIES);
    long hitsBefore = varnish.counter("MAIN.cache_hit");

    int n = 200;
    int hits = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = edge.get(path);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(first.body());
      if (r.headers().firstValue("X-Cache").orElse("").equals("HIT")) {
        hits++;
      }
    }
    double millis = (System.nanoTime() - start) / 1e6;
    long varnishHits = varnish.awaitCounter("MAIN.cache_hit", hitsBefore + n, Duration.ofSeconds(5)) - hitsBefore;

    assertThat(hits).isEqualTo(n);
    assertThat(reached(path)).as("requests for %s that reached an instance", path).isEqualTo(reachedBefore);
    assertThat(sumOfBoth(PRODUCT_QUERIES)).as("product queries on A + B").isEqualTo(queriesBefore);
    System.out.printf("[edge] (a) %d repeated GETs of %s: %d X-Cache HIT, MAIN.cache_hit +%d, requests reaching "
        + "A+B +%d, product queries +%.0f, %.2f ms per GET through Varnish%n", n, path, hits, varnishHits,
        reached(path) - reachedBefore, sumOfBoth(PRODUCT_QUERIES) - queriesBefore, millis / n);
  }

  @Test
  void missesAreSpreadOverBothInstances() {
    long aBefore = reachedOn(0, "/products/"), bBefore = reachedOn(1, "/products/");
    for (int id = 40; id < 50; id++) {
      assertThat(edge.get("/products/" + id).statusCode()).isEqualTo(200);
    }
    long onA = reachedOn(0, "/products/") - aBefore, onB = reachedOn(1, "/products/") - bBefore;
    System.out.printf("[edge] round robin: 10 misses -> A %d, B %d%n", onA, onB);
    assertThat(onA + onB).isEqualTo(10);
    assertThat(onA).isEqualTo(5);
  }

  // ---- (b) a PUT through Varnish ----

  @Test
  void aPutThroughVarnishIsVisibleThroughVarnishAndOnBothInstancesWithinOneSecond() throws Exception {
    List<String> figures = new ArrayList<>();
    double purgesBefore = sumOfBoth(PURGES_OK);
    for (long id = 20; id < 25; id++) {
      String path = "/products/" + id;
      warm(path);
      int price = 12_300 + (int) id;
      long sent = System.nanoTime();
      HttpResponse<String> put = edge.put(path, "{\"priceCents\":" + price + "}");
      long acknowledged = System.nanoTime();
      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(put.headers().firstValue("X-Cache")).contains("PASS");
      assertThat(JSON.readTree(put.body()).get("priceCents").asInt()).isEqualTo(price);
      figures.add(awaitPrice(path, price, acknowledged) + String.format(" (PUT itself %.1f ms)",
          (acknowledged - sent) / 1e6));
    }
    System.out.println("[edge] (b) PUT priceCents through Varnish, time from the PUT's answer to the new price:\n  "
        + String.join("\n  ", figures) + purges(purgesBefore, 5));
  }

  // ---- (c) a direct SQL update, noticed by change data capture ----

  @Test
  void aDirectSqlUpdateIsVisibleThroughVarnishAndOnBothInstancesWithinOneSecond(PostgresServer pg) throws Exception {
    List<String> figures = new ArrayList<>();
    double purgesBefore = sumOfBoth(PURGES_OK);
    for (long id = 30; id < 35; id++) {
      String path = "/products/" + id;
      warm(path);
      String oldTag = onA.get(path).headers().firstValue("ETag").orElseThrow();
      long oldVersion = JSON.readTree(onA.get(path).body()).get("version").asLong();
      int price = 45_600 + (int) id;
      // as an operator would: the source table only, bypassing the service, product_view and the version
      long sent = System.nanoTime();
      pg.psql("UPDATE products SET price_cents = " + price + " WHERE product_id = " + id);
      long committed = System.nanoTime();
      figures.add(awaitPrice(path, price, committed) + String.format(" (psql itself %.1f ms)",
          (committed - sent) / 1e6));
      // A client revalidating with the old tag must get the new price, not 304: the version moved on.
      for (Http side : List.of(edge, onA, onB)) {
        HttpResponse<String> r = side.get(path, "If-None-Match", oldTag);
        assertThat(r.statusCode()).as("%s revalidated with %s after a direct update", path, oldTag).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("version").asLong()).isEqualTo(oldVersion + 1);
      }
    }
    System.out.println("[edge] (c) direct SQL UPDATE products SET price_cents, time from psql's return to the new "
        + "price:\n  " + String.join("\n  ", figures) + purges(purgesBefore, 5));
  }

  /** GETs {@code path} through Varnish twice (the second a HIT) and on both instances (L1 filled). */
  private void warm(String path) {
    assertThat(edge.get(path).statusCode()).isEqualTo(200);
    assertThat(edge.get(path).headers().firstValue("X-Cache")).contains("HIT");
    assertThat(onA.get(path).statusCode()).isEqualTo(200);
    assertThat(onB.get(path).statusCode()).isEqualTo(200);
  }

  /**
   * Polls Varnish, A and B (each until it shows {@code price}) and asserts each got there within
   * {@link #VISIBILITY_BOUND} of {@code since}; returns the times measured.
   */
  private String awaitPrice(String path, int price, long since) throws Exception {
    Map<String, Http> sides = Map.of("varnish", edge, "A", onA, "B", onB);
    Map<String, Double> seenAfter = new ConcurrentHashMap<>();
    Map<String, String> lastSeen = new ConcurrentHashMap<>();
    // Past the bound, keep polling a while, so a failure says whether it was slow or stuck.
    long giveUp = since + VISIBILITY_BOUND.toNanos() + Duration.ofSeconds(10).toNanos();
    while (seenAfter.size() < sides.size() && System.nanoTime() < giveUp) {
      for (Map.Entry<String, Http> side : sides.entrySet()) {
        if (!seenAfter.containsKey(side.getKey())) {
          HttpResponse<String> r = side.getValue().get(path);
          long at = System.nanoTime();
          JsonNode body = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
          if (body != null && body.get("priceCents").asInt() == price) {
            seenAfter.put(side.getKey(), (at - since) / 1e6);
          } else {
            lastSeen.put(side.getKey(), r.statusCode() + (body == null ? "" : " priceCents="
                + body.get("priceCents") + " version=" + body.get("version")) + " X-Cache="
                + r.headers().firstValue("X-Cache").orElse("-"));
          }
        }
      }
      Thread.sleep(2);
    }
    String figure = String.format("%s: varnish %s ms, A %s ms, B %s ms", path, ms(seenAfter.get("varnish")),
        ms(seenAfter.get("A")), ms(seenAfter.get("B")));
    for (String side : sides.keySet()) {
      assertThat(seenAfter.get(side)).as("%s shows the new price of %s within %s (%s; last seen otherwise: %s; "
          + "in the database: %s)", side, path, VISIBILITY_BOUND, figure, lastSeen, databaseRow(path))
          .isNotNull().isLessThanOrEqualTo(VISIBILITY_BOUND.toMillis());
    }
    // Varnish caches the new representation again. Not necessarily at once: every change is purged
    // more than once (the writer's purge, then change data capture's for products and, after the view
    // maintainer's write, for product_view), so a miss may follow; none may bring the old price back.
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    HttpResponse<String> r;
    do {
      r = edge.get(path);
      assertThat(JSON.readTree(r.body()).get("priceCents").asInt()).as("%s after it became visible", path)
          .isEqualTo(price);
    } while (!r.headers().firstValue("X-Cache").orElse("").equals("HIT") && System.nanoTime() < until);
    assertThat(r.headers().firstValue("X-Cache")).as("%s cached again", path).contains("HIT");
    return figure;
  }

  /** The purge requests A and B sent to Varnish since {@code before}; none may have failed. */
  private String purges(double before, int changes) throws InterruptedException {
    Thread.sleep(500); // change data capture's second purge (after the view maintainer's write) may still be on its way
    assertThat(sumOfBoth(PURGES_FAILED)).as("failed edge purges").isZero();
    return String.format("%n  %.0f BAN requests from A+B for %d changes (hotset_edge_purges_total{result=\"success\"}), "
        + "0 failed", sumOfBoth(PURGES_OK) - before, changes);
  }

  private String databaseRow(String path) {
    String id = path.substring(path.lastIndexOf('/') + 1);
    return "products " + pg.psql("SELECT price_cents || ' v' || version FROM products WHERE product_id = " + id)
        + ", product_view " + pg.psql("SELECT price_cents || ' v' || version FROM product_view WHERE product_id = " + id);
  }

  private static String ms(Double v) {
    return v == null ? "never" : String.format("%.1f", v);
  }

  // ---- (d) one user's answer never reaches another ----

  @Test
  void authorizedRequestsAreNeverAnsweredFromAnotherUsersCachedResponse() throws Exception {
    long before = reached("/me");
    String anonymous = edge.get("/me").body();
    assertThat(edge.get("/me").headers().firstValue("X-Cache")).as("anonymous answers are shared").contains("HIT");
    for (int round = 0; round < 3; round++) {
      for (String user : List.of("userA", "userB")) {
        HttpResponse<String> r = edge.get("/me", "Authorization", "Bearer " + user);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("user").asText()).as("round %d, %s", round, user)
            .isEqualTo(sha256("Bearer " + user));
        assertThat(r.headers().firstValue("X-Cache")).contains("PASS");
        assertThat(r.headers().firstValue("Cache-Control")).as("the origin marks it private over the handler's public")
            .hasValueSatisfying(cc -> assertThat(cc).startsWith("private").doesNotContain("public"));
      }
    }
    assertThat(edge.get("/me").body()).isEqualTo(anonymous);
    assertThat(reached("/me") - before).as("every authorized request reached an instance; the anonymous one once")
        .isEqualTo(1 + 6);

    // A product, too: an authorized read is passed and comes back private, without surrogate keys.
    HttpResponse<String> direct = onA.get("/products/3", "Authorization", "Bearer userA");
    assertThat(direct.headers().firstValue("Cache-Control")).hasValueSatisfying(cc -> assertThat(cc)
        .startsWith("private, max-age=60").doesNotContain("public"));
    assertThat(direct.headers().firstValue("xkey")).isEmpty();
    long productBefore = reached("/products/3");
    for (int i = 0; i < 3; i++) {
      assertThat(edge.get("/products/3", "Authorization", "Bearer userB").headers().firstValue("X-Cache"))
          .contains("PASS");
    }
    assertThat(reached("/products/3") - productBefore).isEqualTo(3);
    System.out.printf("[edge] (d) 6 authorized GETs of /me through Varnish: 6 PASS, 6 reached an instance, each "
        + "user got their own answer; anonymous GETs: 1 reached an instance, then HIT%n");
  }

  // ---- (e) HTTP semantics through Varnish and direct ----

  @Test
  void matchingIfNoneMatchGets304ThroughVarnishAndDirect() {
    String path = "/products/5";
    String etag = onA.get(path).headers().firstValue("ETag").orElseThrow(); // the origin's strong tag
    assertThat(etag).matches("\"v\\d+\"");
    // Varnish stores the gzipped body and gunzips it for clients without Accept-Encoding: gzip, and
    // then weakens the tag (the bytes differ); If-None-Match uses the weak comparison, so both match.
    String edgeTag = edge.get(path).headers().firstValue("ETag").orElseThrow();
    assertThat(edgeTag).isIn(etag, "W/" + etag);
    long before = reached(path);
    for (String tag : List.of(etag, "W/" + etag)) {
      HttpResponse<String> viaEdge = edge.get(path, "If-None-Match", tag);
      assertThat(viaEdge.statusCode()).as(tag).isEqualTo(304);
      assertThat(viaEdge.body()).isEmpty();
      assertThat(viaEdge.headers().firstValue("X-Cache")).contains("HIT");
    }
    assertThat(reached(path)).as("Varnish answered the 304s itself").isEqualTo(before);
    assertThat(edge.get(path, "If-None-Match", "\"v999\"").statusCode()).isEqualTo(200);
    // Varnish 7.1 compares If-None-Match as one tag and does not split lists: a full 200 (allowed,
    // just not minimal). The origin does split them (below).
    assertThat(edge.get(path, "If-None-Match", "\"v0\", " + etag).statusCode()).isEqualTo(200);
    for (Http direct : List.of(onA, onB)) {
      for (String tag : List.of(etag, "W/" + etag, "\"v0\", " + etag, "*")) {
        HttpResponse<String> r = direct.get(path, "If-None-Match", tag);
        assertThat(r.statusCode()).as(tag).isEqualTo(304);
        assertThat(r.headers().firstValue("ETag")).contains(etag);
      }
      assertThat(direct.get(path, "If-None-Match", "\"v999\"").statusCode()).isEqualTo(200);
    }
    System.out.printf("[edge] (e) ETag at the origin %s, through Varnish %s; 2 conditional GETs through Varnish: "
        + "2 x 304 HIT, 0 reached an instance%n", etag, edgeTag);
  }

  @Test
  void strongRoutesAreNoStoreAndNeverCachedEvenWhenTheHandlerSaysPublic() throws Exception {
    long before = reached("/strong/edge-override");
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = edge.get("/strong/edge-override");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().allValues("Cache-Control")).containsExactly("no-store");
      assertThat(r.headers().firstValue("X-Cache")).isNotEqualTo(java.util.Optional.of("HIT"));
      bodies.add(r.body());
    }
    assertThat(bodies).doesNotHaveDuplicates();
    assertThat(reached("/strong/edge-override") - before).isEqualTo(4);
    assertThat(onB.get("/strong/edge-override").headers().allValues("Cache-Control")).containsExactly("no-store");

    long strongBefore = reached("/strong/products/7");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = edge.get("/strong/products/7");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().allValues("Cache-Control")).containsExactly("no-store");
    }
    assertThat(reached("/strong/products/7") - strongBefore).isEqualTo(3);
  }

  @Test
  void errorsAreJsonThroughVarnishAndOnlyTheNegative404IsCached() throws Exception {
    assertError(edge.get("/products/abc"), 400, "bad_request");
    assertError(edge.get("/products/-3"), 400, "bad_request");
    assertError(edge.put("/products/8", "{not json"), 400, "bad_request");
    assertError(edge.put("/products/8", "{\"priceCents\":-1}"), 422, "invalid_field");
    assertError(edge.put("/products/8", "{\"currency\":\"dollars\"}"), 422, "invalid_field");
    assertError(edge.post("/products/8/reviews", "{\"rating\":9}"), 422, "invalid_field");
    long before = reached("/products/abc");
    assertError(edge.get("/products/abc"), 400, "bad_request");
    assertThat(reached("/products/abc") - before).as("a 400 is not stored").isEqualTo(1);

    String unknown = "/products/900001";
    double queriesBefore = sumOfBoth(PRODUCT_QUERIES);
    HttpResponse<String> first = edge.get(unknown);
    assertError(first, 404, "not_found");
    assertThat(first.headers().firstValue("Cache-Control")).contains("public, max-age=5");
    assertThat(sumOfBoth(PRODUCT_QUERIES) - queriesBefore).isEqualTo(1);
    HttpResponse<String> second = edge.get(unknown);
    assertError(second, 404, "not_found");
    assertThat(second.headers().firstValue("X-Cache")).contains("HIT");
    assertThat(sumOfBoth(PRODUCT_QUERIES) - queriesBefore).as("the second GET of an unknown id queries nothing")
        .isEqualTo(1);
    // Directly on the instance that did not answer it: its L2 (Redis) holds the negative entry.
    assertError(onA.get(unknown), 404, "not_found");
    assertError(onB.get(unknown), 404, "not_found");
    assertThat(sumOfBoth(PRODUCT_QUERIES) - queriesBefore).as("nor do direct GETs on A and B").isEqualTo(1);
  }

  // ---- helpers ----

  private long reached(String path) {
    return reachedOn(0, path, true) + reachedOn(1, path, true);
  }

  private long reachedOn(int instance, String prefix) {
    return reachedOn(instance, prefix, false);
  }

  private long reachedOn(int instance, String path, boolean exact) {
    return reached.get(instance).entrySet().stream()
        .filter(e -> exact ? e.getKey().equals(path) : e.getKey().startsWith(path))
        .mapToLong(e -> e.getValue().sum()).sum();
  }

  /** A sample summed over both instances (read directly, not through Varnish). */
  private double sumOfBoth(String sample) {
    return onA.metric(sample) + onB.metric(sample);
  }

  private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    JsonNode e = JSON.readTree(r.body());
    assertThat(e.get("error").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).isNotBlank();
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = VarnishEdgeCatalogIT.class.getResourceAsStream(name)) {
      assertThat(in).as(name + " on the classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void writeReadable(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
