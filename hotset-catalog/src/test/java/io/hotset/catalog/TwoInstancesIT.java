package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two service instances on one PostgreSQL and one Redis, started at the same moment against an
 * empty database: exactly one seeds; a write on one is visible on the other within a second.
 */
@WithPostgres
@WithRedis
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstancesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PRODUCTS = 40;

  private final List<Path> dirs = new ArrayList<>();
  private final List<ByteArrayOutputStream> logs = new ArrayList<>();
  private CatalogService a;
  private CatalogService b;

  @BeforeAll
  void startBothAtOnce(PostgresServer pg, RedisServer redis) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(2);
    List<CompletableFuture<CatalogService>> starts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Path dir = TestDirs.create("catalog-two-");
      dirs.add(dir);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      logs.add(log);
      CatalogConfig config = CatalogConfig.builder()
          .httpPort(0)
          .dbUrl(pg.jdbcUrl()).dbUser(pg.user()).dbPassword(pg.password())
          .redisUrl(redis.uri())
          .seedProducts(PRODUCTS)
          .productTtl(Duration.ofMinutes(5))
          .dataDir(dir)
          .build();
      starts.add(CompletableFuture.supplyAsync(() -> {
        try {
          barrier.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return CatalogService.builder(config).log(new PrintStream(log, true, StandardCharsets.UTF_8)).start();
      }));
    }
    a = starts.get(0).join();
    b = starts.get(1).join();
  }

  @AfterAll
  void stop() throws Exception {
    for (CatalogService s : new CatalogService[] {a, b}) {
      if (s != null) {
        s.close();
      }
    }
    for (Path d : dirs) {
      TestDirs.delete(d);
    }
  }

  @Test
  void onlyOneOfTwoConcurrentStartsSeedsTheEmptyDatabase(PostgresServer pg) {
    assertThat(pg.psql("SELECT count(*) FROM products")).isEqualTo(Integer.toString(PRODUCTS));
    assertThat(pg.psql("SELECT count(*) FROM product_view")).isEqualTo(Integer.toString(PRODUCTS));
    assertThat(pg.psql("SELECT count(*) FROM categories")).isEqualTo("48");
    long seeded = logs.stream().filter(l -> l.toString(StandardCharsets.UTF_8).contains("seeding an empty catalog")).count();
    assertThat(seeded).isEqualTo(1);
  }

  @Test
  void aPutOnOneInstanceIsVisibleOnTheOtherWithinOneSecond() throws Exception {
    Http onA = new Http(a.url());
    Http onB = new Http(b.url());
    for (long id = 20; id < 25; id++) {
      assertThat(onB.get("/products/" + id).statusCode()).isEqualTo(200); // now in B's L1 (and L2)
      String name = "Renamed on A " + id;
      assertThat(onA.put("/products/" + id, "{\"name\":\"" + name + "\"}").statusCode()).isEqualTo(200);
      long start = System.nanoTime();
      String seen = null;
      while (System.nanoTime() - start < Duration.ofSeconds(1).toNanos()) {
        seen = JSON.readTree(onB.get("/products/" + id).body()).get("name").asText();
        if (seen.equals(name)) {
          break;
        }
        Thread.sleep(10);
      }
      assertThat(seen).as("B within 1 s of A's PUT of product " + id).isEqualTo(name);
    }
  }

  @Test
  void aReviewOnOneInstanceIsVisibleOnTheOther() throws Exception {
    Http onA = new Http(a.url());
    Http onB = new Http(b.url());
    JsonNode before = JSON.readTree(onB.get("/products/30").body());
    assertThat(onA.post("/products/30/reviews", "{\"rating\":4}").statusCode()).isEqualTo(201);
    long start = System.nanoTime();
    long version = before.get("version").asLong();
    while (System.nanoTime() - start < Duration.ofSeconds(1).toNanos() && version == before.get("version").asLong()) {
      version = JSON.readTree(onB.get("/products/30").body()).get("version").asLong();
      Thread.sleep(10);
    }
    assertThat(version).isEqualTo(before.get("version").asLong() + 1);
  }

  @Test
  void aDirectSqlPriceUpdateIsVisibleOnBothInstancesWithinOneSecond(PostgresServer pg) throws Exception {
    Http onA = new Http(a.url());
    Http onB = new Http(b.url());
    for (long id = 10; id < 15; id++) {
      assertThat(onA.get("/products/" + id).statusCode()).isEqualTo(200); // cached in A's L1, B's L1 and L2
      assertThat(onB.get("/products/" + id).statusCode()).isEqualTo(200);
      int price = 777_00 + (int) id;
      // as an operator would: the source table only, bypassing the service (and product_view)
      pg.psql("UPDATE products SET price_cents = " + price + ", version = version + 1 WHERE product_id = " + id);
      long start = System.nanoTime();
      for (Http side : new Http[] {onA, onB}) {
        long seen = -1;
        while (System.nanoTime() - start < Duration.ofSeconds(1).toNanos()) {
          seen = JSON.readTree(side.get("/products/" + id).body()).get("priceCents").asLong();
          if (seen == price) {
            break;
          }
          Thread.sleep(10);
        }
        assertThat(seen).as("product %d within 1 s of a direct SQL update", id).isEqualTo(price);
      }
    }
    assertThat(pg.psql("SELECT price_cents FROM product_view WHERE product_id = 14"))
        .as("the view maintainer recomputed product_view from the change stream").isEqualTo("77714");
  }

  @Test
  void aDirectSqlCategoryRenameReachesItsProducts(PostgresServer pg) throws Exception {
    Http onB = new Http(b.url());
    JsonNode p = JSON.readTree(onB.get("/products/5").body());
    long category = p.get("categoryId").asLong();
    pg.psql("UPDATE categories SET category_name = 'Renamed by SQL' WHERE category_id = " + category);
    long start = System.nanoTime();
    String seen = null;
    while (System.nanoTime() - start < Duration.ofSeconds(2).toNanos()) {
      seen = JSON.readTree(onB.get("/products/5").body()).get("category").asText();
      if (seen.equals("Renamed by SQL")) {
        break;
      }
      Thread.sleep(10);
    }
    assertThat(seen).isEqualTo("Renamed by SQL");
  }

  @Test
  void healthShowsRedis() throws Exception {
    HttpResponse<String> r = new Http(a.url()).get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(r.body());
    assertThat(h.at("/redis/status").asText()).isEqualTo("up");
    assertThat(h.at("/redis/breaker").asText()).isEqualTo("CLOSED");
  }

  @Test
  void viewsFromBothInstancesAddUp(PostgresServer pg) throws Exception {
    Http onA = new Http(a.url());
    Http onB = new Http(b.url());
    long start = JSON.readTree(onA.get("/products/31/views").body()).get("views").asLong();
    long last = 0;
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> fromA = onA.post("/products/31/views", "");
      assertThat(fromA.statusCode()).isEqualTo(202);
      HttpResponse<String> fromB = onB.post("/products/31/views", "");
      assertThat(fromB.statusCode()).isEqualTo(202);
      last = JSON.readTree(fromB.body()).get("views").asLong();
    }
    // The running total is one Redis INCRBY per view, shared by both instances: exact at once,
    // before the write-behind flush.
    assertThat(last).as("the total B returned after the sixth view").isEqualTo(start + 6);
    assertThat(JSON.readTree(onA.get("/products/31/views").body()).get("views").asLong()).isEqualTo(start + 6);
    assertThat(JSON.readTree(onB.get("/products/31/views").body()).get("views").asLong()).isEqualTo(start + 6);
    // ... and the source catches up once the flushes (every second) ran
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long inSource = -1;
    while (System.nanoTime() < deadline && inSource != start + 6) {
      String v = pg.psql("SELECT coalesce(sum(views), 0) FROM product_views WHERE product_id = 31");
      inSource = Long.parseLong(v.trim());
      Thread.sleep(100);
    }
    assertThat(inSource).as("product_views.views of product 31").isEqualTo(start + 6);
  }

  @Test
  void adminEndpointsAreOffWithoutAToken() throws Exception {
    HttpResponse<String> r = new Http(a.url()).post("/admin/invalidate", "{\"keys\":[\"1\"]}", "Authorization", "Bearer x");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("not_found");
  }
}
