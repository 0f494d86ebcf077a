package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.WithPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every endpoint of the contract against a real PostgreSQL, L1 only (no Redis). */
@WithPostgres
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "s3cret-admin-token";

  private CatalogService service;
  private Http http;
  private Path dataDir;

  @BeforeAll
  void start(PostgresServer pg) throws Exception {
    dataDir = TestDirs.create("catalog-api-");
    service = CatalogService.builder(config(pg).adminToken(TOKEN).build())
        // A handler that tries to make a /strong/ response cacheable: the after handler must win.
        .routes(app -> app.get("/strong/override-attempt", ctx -> {
          ctx.header("Cache-Control", "public, max-age=600");
          ctx.result("cached?");
        }))
        .start();
    http = new Http(service.url());
  }

  private CatalogConfig.Builder config(PostgresServer pg) {
    return CatalogConfig.builder()
        .httpPort(0)
        .dbUrl(pg.jdbcUrl()).dbUser(pg.user()).dbPassword(pg.password())
        .seedProducts(60)
        .productTtl(Duration.ofSeconds(60))
        .dataDir(dataDir);
  }

  @AfterAll
  void stop() throws Exception {
    if (service != null) {
      service.close();
    }
    TestDirs.delete(dataDir);
  }

  @Test
  void getProductHasCachingHeadersAndTheContractFields() throws Exception {
    HttpResponse<String> r = http.get("/products/3");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode p = JSON.readTree(r.body());
    for (String field : new String[] {"id", "name", "description", "category", "priceCents", "currency",
        "avgRating", "reviewCount", "stock", "version"}) {
      assertThat(p.has(field)).as(field).isTrue();
    }
    assertThat(p.get("id").asLong()).isEqualTo(3);
    assertThat(r.headers().firstValue("Cache-Control"))
        .contains("public, max-age=60, stale-while-revalidate=30, stale-if-error=300");
    assertThat(r.headers().firstValue("ETag")).contains("\"v" + p.get("version").asLong() + "\"");
    assertThat(r.headers().firstValue("xkey")).contains("product:3 category:" + p.get("categoryId").asLong());
    assertThat(r.headers().firstValue("Vary")).as("Javalin gzips by Accept-Encoding").contains("Accept-Encoding");
  }

  @Test
  void cachedReadsAreServedAheadOfJavalinWithTheSameAnswer() throws Exception {
    String fast = "hotset_catalog_fast_path_responses_total";
    double before = http.metric(fast);
    HttpResponse<String> plain = http.get("/products/5");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(http.metric(fast) - before).as("a plain cached GET takes the fast path").isEqualTo(1);
    assertThat(plain.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "application/json"));

    // gzip: same JSON, compressed, Vary on Accept-Encoding; a zero weight means no gzip
    HttpResponse<byte[]> gz = http.getBytes("/products/5", "Accept-Encoding", "br;q=1.0, gzip;q=0.8");
    assertThat(gz.statusCode()).isEqualTo(200);
    assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(gz.headers().firstValue("Vary")).contains("Accept-Encoding");
    assertThat(gz.headers().firstValue("ETag")).isEqualTo(plain.headers().firstValue("ETag"));
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body()))) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(plain.body());
    }
    HttpResponse<byte[]> noGzip = http.getBytes("/products/5", "Accept-Encoding", "gzip;q=0, identity");
    assertThat(noGzip.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(new String(noGzip.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(plain.body());

    // HEAD: the GET's headers and length, no body
    HttpResponse<String> head = http.head("/products/5");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length")).contains(Integer.toString(
        plain.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    assertThat(head.headers().firstValue("Cache-Control")).isEqualTo(plain.headers().firstValue("Cache-Control"));

    // what the fast path must leave to Javalin: other forms of the path, unknown ids, Authorization
    double mid = http.metric(fast);
    assertThat(http.get("/products/05/").statusCode()).isIn(200, 404);
    assertThat(http.get("/products/900123").statusCode()).isEqualTo(404);
    assertThat(http.get("/products/5", "Authorization", "Bearer x").headers().firstValue("Cache-Control"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("private"));
    assertThat(http.metric(fast) - mid).isEqualTo(0);
  }

  @Test
  void anAuthorizedRequestNeverGetsASharedCacheableAnswer() {
    HttpResponse<String> r = http.get("/products/3", "Authorization", "Bearer someone");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Cache-Control"))
        .contains("private, max-age=60, stale-while-revalidate=30, stale-if-error=300");
    assertThat(r.headers().firstValue("xkey")).as("nothing shared to purge").isEmpty();
    assertThat(r.headers().firstValue("Vary")).isEmpty();
    HttpResponse<String> missing = http.get("/products/900007", "Authorization", "Bearer someone");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Cache-Control")).contains("private, max-age=5");
  }

  @Test
  void matchingIfNoneMatchGets304() {
    String etag = http.get("/products/4").headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> r = http.get("/products/4", "If-None-Match", etag);
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValue("ETag")).contains(etag);
    // If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ ignored, lists, "*"
    for (String matching : new String[] {"W/" + etag, "\"v0\", " + etag, "\"v0\"," + etag + ",", "*"}) {
      assertThat(http.get("/products/4", "If-None-Match", matching).statusCode()).as(matching).isEqualTo(304);
    }
    String longer = etag.substring(0, etag.length() - 1) + "3\"";
    for (String other : new String[] {"\"v999\"", longer, ""}) {
      assertThat(http.get("/products/4", "If-None-Match", other).statusCode()).as(other).isEqualTo(200);
    }
    assertThat(http.get("/products/4", "If-Match", "\"v999\"").statusCode()).as("RFC 9110 §13.1.1").isEqualTo(412);
  }

  @Test
  void malformedIdIs400Json() throws Exception {
    for (String bad : new String[] {"abc", "-1", "0", "1.5", "99999999999999999999"}) {
      HttpResponse<String> r = http.get("/products/" + bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertError(r, "bad_request");
    }
  }

  @Test
  void unknownIdIs404JsonAndNegativelyCached() throws Exception {
    String sample = "catalog_db_queries_total{query=\"product\"}";
    double before = http.metric(sample);
    HttpResponse<String> first = http.get("/products/900001");
    assertThat(first.statusCode()).isEqualTo(404);
    assertError(first, "not_found");
    assertThat(first.headers().firstValue("Cache-Control")).contains("public, max-age=5");
    assertThat(first.headers().firstValue("xkey")).as("purged when the product appears").contains("product:900001");
    double afterFirst = http.metric(sample);
    assertThat(afterFirst - before).isEqualTo(1);
    HttpResponse<String> second = http.get("/products/900001");
    assertThat(second.statusCode()).isEqualTo(404);
    assertThat(http.metric(sample)).as("the second GET of an unknown id must not query the database")
        .isEqualTo(afterFirst);
    assertThat(http.metric("hotset_requests_total{region=\"product\",result=\"negative\",tier=\"l1\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void secondGetIsServedFromTheCache() {
    String sample = "catalog_db_queries_total{query=\"product\"}";
    http.get("/products/5");
    double before = http.metric(sample);
    assertThat(http.get("/products/5").statusCode()).isEqualTo(200);
    assertThat(http.metric(sample)).isEqualTo(before);
  }

  @Test
  void putIsVisibleOnTheNextGetWithVersionPlusOne() throws Exception {
    JsonNode before = JSON.readTree(http.get("/products/6").body()); // cached now
    HttpResponse<String> put = http.put("/products/6", "{\"name\":\"Updated Kettle\",\"priceCents\":4321,\"stock\":7}");
    assertThat(put.statusCode()).isEqualTo(200);
    JsonNode updated = JSON.readTree(put.body());
    assertThat(updated.get("version").asLong()).isEqualTo(before.get("version").asLong() + 1);
    assertThat(updated.get("name").asText()).isEqualTo("Updated Kettle");
    assertThat(updated.get("description").asText()).isEqualTo(before.get("description").asText());

    HttpResponse<String> get = http.get("/products/6");
    JsonNode after = JSON.readTree(get.body());
    assertThat(after.get("name").asText()).isEqualTo("Updated Kettle");
    assertThat(after.get("priceCents").asInt()).isEqualTo(4321);
    assertThat(after.get("stock").asInt()).isEqualTo(7);
    assertThat(get.headers().firstValue("ETag")).contains("\"v" + updated.get("version").asLong() + "\"");
    // The old ETag no longer matches.
    assertThat(http.get("/products/6", "If-None-Match", "\"v" + before.get("version").asLong() + "\"").statusCode())
        .isEqualTo(200);
  }

  @Test
  void putChangesCategoryAndUpdatesTheFlatTableInOneTransaction(PostgresServer pg) throws Exception {
    HttpResponse<String> put = http.put("/products/7", "{\"categoryId\":201,\"currency\":\"EUR\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    JsonNode p = JSON.readTree(put.body());
    assertThat(p.get("categoryId").asLong()).isEqualTo(201);
    assertThat(p.get("category").asText()).isEqualTo("Garden / Tools");
    assertThat(pg.psql("SELECT p.version = pv.version AND pv.category_name = 'Garden / Tools' "
        + "FROM products p JOIN product_view pv USING (product_id) WHERE product_id = 7")).isEqualTo("t");
    assertThat(http.get("/products/7").headers().firstValue("xkey")).contains("product:7 category:201");
  }

  @Test
  void putErrors() throws Exception {
    assertError(http.put("/products/8", "{not json"), 400, "bad_request");
    assertError(http.put("/products/8", ""), 400, "bad_request");
    assertError(http.put("/products/8", "[1]"), 400, "bad_request");
    HttpResponse<String> r = http.put("/products/8", "{\"priceCents\":\"cheap\"}");
    assertError(r, 422, "invalid_field");
    assertThat(JSON.readTree(r.body()).get("message").asText()).contains("priceCents");
    r = http.put("/products/8", "{\"categoryId\":424242}");
    assertError(r, 422, "invalid_field");
    assertThat(JSON.readTree(r.body()).get("message").asText()).contains("categoryId");
    assertError(http.put("/products/8", "{\"currency\":\"dollars\"}"), 422, "invalid_field");
    assertError(http.put("/products/900002", "{\"stock\":1}"), 404, "not_found");
    assertError(http.put("/products/x", "{\"stock\":1}"), 400, "bad_request");
  }

  @Test
  void reviewUpdatesAggregatesAndInvalidates(PostgresServer pg) throws Exception {
    JsonNode before = JSON.readTree(http.get("/products/9").body());
    HttpResponse<String> r = http.post("/products/9/reviews", "{\"rating\":1,\"author\":\"Kim\",\"body\":\"Broke.\"}");
    assertThat(r.statusCode()).isEqualTo(201);
    JsonNode review = JSON.readTree(r.body());
    assertThat(review.get("reviewCount").asInt()).isEqualTo(before.get("reviewCount").asInt() + 1);
    JsonNode after = JSON.readTree(http.get("/products/9").body());
    assertThat(after.get("reviewCount").asInt()).isEqualTo(before.get("reviewCount").asInt() + 1);
    assertThat(after.get("version").asLong()).isEqualTo(before.get("version").asLong() + 1);
    assertThat(pg.psql("SELECT pv.review_count = count(r.*) AND pv.avg_rating = round(avg(r.rating), 1) "
        + "FROM product_view pv JOIN reviews r USING (product_id) WHERE product_id = 9 GROUP BY pv.review_count, pv.avg_rating"))
        .isEqualTo("t");

    assertError(http.post("/products/9/reviews", "{\"rating\":6}"), 422, "invalid_field");
    assertError(http.post("/products/9/reviews", "{\"rating\":\"5\"}"), 422, "invalid_field");
    assertError(http.post("/products/9/reviews", "{}"), 422, "invalid_field");
    assertError(http.post("/products/9/reviews", "{rating"), 400, "bad_request");
    assertError(http.post("/products/900003/reviews", "{\"rating\":3}"), 404, "not_found");
  }

  @Test
  void topListComesFromTheMaterializedViewAndIsCached() throws Exception {
    HttpResponse<String> r = http.get("/categories/101/top?limit=3");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(r.body());
    assertThat(list.isArray()).isTrue();
    assertThat(list.size()).isBetween(1, 3);
    assertThat(list.get(0).get("rank").asInt()).isEqualTo(1);
    for (int i = 1; i < list.size(); i++) {
      assertThat(list.get(i).get("reviewCount").asInt()).isLessThanOrEqualTo(list.get(i - 1).get("reviewCount").asInt());
    }
    assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(cc -> assertThat(cc).startsWith("public"));
    double before = http.metric("catalog_db_queries_total{query=\"top\"}");
    assertThat(http.get("/categories/101/top?limit=2").statusCode()).isEqualTo(200);
    assertThat(http.metric("catalog_db_queries_total{query=\"top\"}")).isEqualTo(before);

    assertError(http.get("/categories/77/top"), 404, "not_found");
    assertError(http.get("/categories/101/top?limit=0"), 400, "bad_request");
    assertError(http.get("/categories/101/top?limit=ten"), 400, "bad_request");
    assertError(http.get("/categories/x/top"), 400, "bad_request");
  }

  @Test
  void strongReadIsLiveAndNoStore(PostgresServer pg) throws Exception {
    http.get("/products/10"); // cached
    pg.psql("UPDATE products SET stock = 4242, version = version + 1 WHERE product_id = 10");
    double before = http.metric("catalog_db_queries_total{query=\"strong\"}");
    HttpResponse<String> r = http.get("/strong/products/10");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("stock").asInt()).isEqualTo(4242);
    assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(http.metric("catalog_db_queries_total{query=\"strong\"}")).isEqualTo(before + 1);
    HttpResponse<String> missing = http.get("/strong/products/900004");
    assertError(missing, 404, "not_found");
    assertThat(missing.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(http.get("/strong/products/abc").headers().firstValue("Cache-Control")).contains("no-store");
  }

  @Test
  void strongRoutesAreNoStoreEvenIfAHandlerSaysOtherwise() {
    HttpResponse<String> r = http.get("/strong/override-attempt");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().allValues("Cache-Control")).containsExactly("no-store");
  }

  @Test
  void viewsAreCountedThroughWriteBehind() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = http.post("/products/11/views", "");
      assertThat(r.statusCode()).isEqualTo(202);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long views = 0;
    while (System.nanoTime() < deadline && views < 5) {
      views = JSON.readTree(http.get("/products/11/views").body()).get("views").asLong();
      Thread.sleep(100);
    }
    assertThat(views).isEqualTo(5);
    assertError(http.post("/products/900005/views", ""), 404, "not_found");
    assertError(http.get("/products/900005/views"), 404, "not_found");
  }

  @Test
  void metricsArePrometheusText() {
    http.get("/products/12");
    HttpResponse<String> r = http.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
    assertThat(r.body()).contains("hotset_requests_total{", "hotset_loads_total{", "catalog_db_queries_total{query=\"product\"}");
  }

  @Test
  void healthReportsDatabaseRedisAndBreaker() throws Exception {
    HttpResponse<String> r = http.get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(r.body());
    assertThat(h.get("status").asText()).isEqualTo("up");
    assertThat(h.at("/database/status").asText()).isEqualTo("up");
    assertThat(h.at("/redis/status").asText()).isEqualTo("disabled");
    assertThat(h.has("breaker")).isTrue();
  }

  @Test
  void healthIs503WhileTheDatabaseIsDownAndCachedReadsKeepWorking(PostgresServer pg) throws Exception {
    assertThat(http.get("/products/15").statusCode()).isEqualTo(200); // cached in L1
    pg.stop();
    try {
      HttpResponse<String> r = http.get("/health");
      assertThat(r.statusCode()).isEqualTo(503);
      JsonNode h = JSON.readTree(r.body());
      assertThat(h.get("status").asText()).isEqualTo("down");
      assertThat(h.at("/database/status").asText()).isEqualTo("down");
      assertThat(http.get("/products/15").statusCode()).as("a cached product survives the outage").isEqualTo(200);
      HttpResponse<String> uncached = http.get("/products/16");
      assertError(uncached, 503, "unavailable");
    } finally {
      pg.start();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && http.get("/health").statusCode() != 200) {
      Thread.sleep(200);
    }
    assertThat(http.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void adminInvalidateNeedsTheBearerToken() throws Exception {
    String body = "{\"keys\":[\"13\"],\"tags\":[\"category:101\"]}";
    assertError(http.post("/admin/invalidate", body), 401, "unauthorized");
    assertError(http.post("/admin/invalidate", body, "Authorization", "Bearer wrong"), 401, "unauthorized");
    String sample = "catalog_db_queries_total{query=\"product\"}";
    http.get("/products/13");
    double before = http.metric(sample);
    HttpResponse<String> ok = http.post("/admin/invalidate", body, "Authorization", "Bearer " + TOKEN);
    assertThat(ok.statusCode()).isEqualTo(200);
    http.get("/products/13");
    assertThat(http.metric(sample)).as("an invalidated key is loaded again").isEqualTo(before + 1);
    assertError(http.post("/admin/invalidate", "{\"region\":\"nope\",\"keys\":[\"1\"]}", "Authorization",
        "Bearer " + TOKEN), 422, "invalid_field");
    assertError(http.post("/admin/invalidate", "{oops", "Authorization", "Bearer " + TOKEN), 400, "bad_request");
  }

  @Test
  void unknownRoutesAndMethodsAreJson() throws Exception {
    assertError(http.get("/nope"), 404, "not_found");
    HttpResponse<String> r = http.send("DELETE", "/products/1");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(JSON.readTree(r.body()).has("error")).isTrue();
  }

  @Test
  void ownWritesPurgeTheEdgeRightAfterCommitEvenWithoutChangeCapture(PostgresServer pg) throws Exception {
    Path dir = TestDirs.create("catalog-purge-");
    List<List<String>> purged = new CopyOnWriteArrayList<>();
    try (CatalogService s = CatalogService.builder(config(pg).dataDir(dir).adminToken(TOKEN).build())
        .changeCapture(false)
        .edgePurge(keys -> purged.add(List.copyOf(keys)))
        .start()) {
      Http h = new Http(s.url());
      assertThat(h.put("/products/20", "{\"stock\":3}").statusCode()).isEqualTo(200);
      assertThat(purged).as("purged before the PUT was answered").containsExactly(List.of("product:20"));
      assertThat(h.post("/products/20/reviews", "{\"rating\":5}").statusCode()).isEqualTo(201);
      assertThat(purged).hasSize(2).last().isEqualTo(List.of("product:20"));
      HttpResponse<String> admin = h.post("/admin/invalidate", "{\"keys\":[\"21\"],\"tags\":[\"category:101\"]}",
          "Authorization", "Bearer " + TOKEN);
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(purged).hasSize(3).last().isEqualTo(List.of("product:21", "category:101"));

      // Nothing committed, nothing purged.
      assertError(h.put("/products/20", "{\"priceCents\":\"x\"}"), 422, "invalid_field");
      assertError(h.put("/products/900008", "{\"stock\":1}"), 404, "not_found");
      assertError(h.post("/admin/invalidate", "{\"tags\":[\"two words\"]}", "Authorization", "Bearer " + TOKEN),
          422, "invalid_field");
      assertThat(purged).hasSize(3);
    } finally {
      TestDirs.delete(dir);
    }
  }

  @Test
  void cacheOffBaselineReadsTheDatabaseEveryTime(PostgresServer pg) throws Exception {
    Path dir = TestDirs.create("catalog-nocache-");
    try (CatalogService plain = CatalogService.start(config(pg).dataDir(dir).cacheEnabled(false).build())) {
      Http h = new Http(plain.url());
      String sample = "catalog_db_queries_total{query=\"product\"}";
      HttpResponse<String> first = h.get("/products/14");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Cache-Control")).contains("no-store");
      double before = h.metric(sample);
      h.get("/products/14");
      h.get("/products/900006");
      h.get("/products/900006");
      assertThat(h.metric(sample)).isEqualTo(before + 3);
      assertError(h.post("/admin/invalidate", "{}", "Authorization", "Bearer x"), 404, "not_found");
    } finally {
      TestDirs.delete(dir);
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertError(r, code);
  }

  private static void assertError(HttpResponse<String> r, String code) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    JsonNode e = JSON.readTree(r.body());
    assertThat(e.get("error").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).isNotBlank();
  }
}
