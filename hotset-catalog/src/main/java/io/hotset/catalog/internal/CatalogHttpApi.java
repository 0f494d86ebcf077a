package io.hotset.catalog.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotset.Counters;
import io.hotset.Hotset;
import io.hotset.LoadFailedException;
import io.hotset.LoadShedException;
import io.hotset.Region;
import io.hotset.WriteBehindFullException;
import io.hotset.catalog.spi.EdgePurge;
import io.hotset.http.CacheControl;
import io.hotset.http.ConditionalRequests;
import io.hotset.http.ETags;
import io.hotset.http.HeaderSink;
import io.hotset.http.SharedCacheRule;
import io.hotset.http.StrongRoutePolicy;
import io.hotset.http.SurrogateKeys;
import io.hotset.http.Vary;
import io.hotset.redis.HotsetRedis;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The catalog's HTTP contract (design doc, "Reference system: the catalog service") on Javalin.
 * Handlers validate input, call the regions or the repository, and state their caching intent
 * with hotset-http's pure functions ({@link CacheControl}, {@link ETags} and
 * {@link ConditionalRequests}, {@link SurrogateKeys}). Every error is JSON
 * {@code {"error", "message"}}.
 *
 * <p>One {@code after} handler, which runs after every handler and exception mapping, has the last
 * word on caching headers, so no handler can get them wrong: a response to a request with
 * {@code Authorization} (or one that sets a cookie) is never shared-cacheable
 * ({@link SharedCacheRule}); shared-cacheable responses get {@code Vary: Accept-Encoding} (Javalin
 * compresses by the request's {@code Accept-Encoding} without saying so); and routes under
 * {@code /strong/} get {@code no-store} without surrogate keys ({@link StrongRoutePolicy}).
 */
public final class CatalogHttpApi {
  /** Routes that must never be stored by any cache. */
  public static final StrongRoutePolicy STRONG_ROUTES = StrongRoutePolicy.of("/strong/");
  /** The surrogate key every top-list response carries (purged when the view is refreshed). */
  static final String TOP_KEY = "top";
  private static final String CACHE_CONTROL = "Cache-Control";
  private static final String ETAG = "ETag";
  private static final String NO_STORE = CacheControl.noStore().toHeaderValue();
  private static final Duration STALE_IF_ERROR = Duration.ofMinutes(5);
  private static final int DEFAULT_TOP_LIMIT = 10;
  private static final int MAX_TOP_LIMIT = 100;
  private static final int MAX_BODY_BYTES = 64 * 1024;

  /** What the handlers need; built by {@link io.hotset.catalog.CatalogService}. */
  public record Parts(
      CatalogRepository repository,
      Hotset hotset,                          // null when caching is off
      Region<Long, ProductDoc> products,      // null when caching is off
      Region<Long, TopList> top,              // null when caching is off
      Counters<Long> views,
      HotsetRedis redis,                      // null without HOTSET_REDIS_URL
      EdgePurge edgePurge,
      Supplier<String> metrics,
      Duration productTtl,
      Duration productStale,
      Duration negativeTtl,
      Duration topTtl,
      String adminToken) {}                   // null: admin endpoints off

  private final Parts parts;
  private final ObjectMapper json;
  private final String productCacheControl;

  public CatalogHttpApi(Parts parts, ObjectMapper json) {
    this.parts = parts;
    this.json = json;
    this.productCacheControl = cacheable(parts.productTtl(), parts.productStale(), STALE_IF_ERROR);
  }

  /**
   * The Jetty handler that serves cached product reads ahead of Javalin, with this API's headers;
   * null when caching is off (every read then goes through the route below).
   */
  public ProductFastPath productFastPath(io.micrometer.core.instrument.MeterRegistry registry) {
    return parts.products() == null ? null : new ProductFastPath(parts.products(), productCacheControl, registry);
  }

  /** Registers the routes, the exception mapping and the no-store rule on {@code app}. */
  public void register(Javalin app) {
    app.get("/products/{id}", this::getProduct);
    app.put("/products/{id}", this::putProduct);
    app.post("/products/{id}/reviews", this::postReview);
    app.post("/products/{id}/views", this::postView);
    app.get("/products/{id}/views", this::getViews);
    app.get("/categories/{id}/top", this::getTop);
    app.get("/strong/products/{id}", this::getStrongProduct);
    app.get("/metrics", this::getMetrics);
    app.get("/health", this::getHealth);
    app.get("/health/live", this::getLive);
    app.post("/admin/invalidate", this::postAdminInvalidate);

    app.after(CatalogHttpApi::enforceCachingRules);

    app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
    app.exception(LoadShedException.class, (e, ctx) -> {
      ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
      error(ctx, 503, "overloaded", "the database is shedding load; retry later");
    });
    app.exception(WriteBehindFullException.class, (e, ctx) -> {
      ctx.header("Retry-After", "1");
      error(ctx, 503, "overloaded", "the view counter buffer is full; retry later");
    });
    app.exception(LoadFailedException.class, (e, ctx) -> error(ctx, 503, "unavailable",
        "the database could not be read and no cached copy may be served"));
    app.exception(DataAccessException.class, (e, ctx) -> {
      if (e.unavailable()) {
        error(ctx, 503, "unavailable", "the database is unavailable");
      } else {
        ctx.attribute("exception", e);
        error(ctx, 500, "internal_error", "an internal error occurred");
      }
    });
    app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), statusCode(e.getStatus()),
        e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + e.getStatus() : e.getMessage()));
    app.exception(Exception.class, (e, ctx) -> {
      System.err.println("hotset-catalog: unhandled error on " + ctx.method() + " " + ctx.path() + ": " + e);
      e.printStackTrace();
      error(ctx, 500, "internal_error", "an internal error occurred");
    });
  }

  // ---- products ----

  private void getProduct(Context ctx) {
    long id = id(ctx, "product id");
    if (parts.products() == null) {
      Product p = parts.repository().findProduct(id);
      if (p == null) {
        throw notFound(ctx, id);
      }
      if (productHeaders(ctx, p.id(), p.categoryId(), p.version())) {
        ctx.json(p);
      }
      return;
    }
    ProductDoc d = parts.products().get(id);
    if (d == null) {
      throw notFound(ctx, id);
    }
    if (productHeaders(ctx, d.id(), d.categoryId(), d.version())) {
      ctx.contentType("application/json").result(d.json());
    }
  }

  private ApiException notFound(Context ctx, long id) {
    // Negative answers are cacheable briefly too, and purged with the product's key when it appears.
    ctx.header(CACHE_CONTROL, cacheable(parts.negativeTtl(), Duration.ZERO, Duration.ZERO));
    ctx.header(SurrogateKeys.XKEY_HEADER, productKey(id));
    return ApiException.notFound("no product " + id);
  }

  /**
   * A product representation's entity tag and caching headers: the one place both the route and
   * {@link ProductFastPath} take them from, so the two cannot drift apart.
   */
  static void productHeaders(java.util.function.BiConsumer<String, String> setHeader, String etag,
      String cacheControl, String surrogateKeys) {
    setHeader.accept(ETAG, etag);
    setHeader.accept(CACHE_CONTROL, cacheControl);
    setHeader.accept(SurrogateKeys.XKEY_HEADER, surrogateKeys);
  }

  /** Sets a product's entity tag and caching headers; true when the body is to be sent (not a 304). */
  private boolean productHeaders(Context ctx, long id, long categoryId, long version) {
    String etag = ETags.strong(version);
    productHeaders(ctx.res()::setHeader, etag, productCacheControl, productSurrogateKeys(id, categoryId));
    return switch (ConditionalRequests.evaluate(ctx.method().name(), ctx::header, etag)) {
      case NOT_MODIFIED -> {
        ctx.status(304);
        yield false;
      }
      case PRECONDITION_FAILED -> throw new ApiException(412, "precondition_failed",
          "the product's current entity tag is " + etag);
      case PROCEED -> true;
    };
  }

  private void putProduct(Context ctx) {
    long id = id(ctx, "product id");
    ProductPatch patch = ProductPatch.from(body(ctx));
    Product p = parts.repository().update(id, patch).orElseThrow(() -> ApiException.notFound("no product " + id));
    changed(p.id());
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.header(ETAG, ETags.strong(p.version()));
    ctx.json(p);
  }

  private void postReview(Context ctx) {
    long id = id(ctx, "product id");
    JsonNode body = body(ctx);
    if (!(body instanceof ObjectNode object)) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    object.fieldNames().forEachRemaining(f -> {
      if (!List.of("rating", "author", "body").contains(f)) {
        throw ApiException.invalid(f, "unknown field; a review has rating (1..5) and optional author and body");
      }
    });
    JsonNode rating = object.get("rating");
    if (rating == null) {
      throw ApiException.invalid("rating", "is required (an integer from 1 to 5)");
    }
    if (!rating.isIntegralNumber() || rating.longValue() < 1 || rating.longValue() > 5) {
      throw ApiException.invalid("rating", "must be an integer from 1 to 5, was " + ProductPatch.describe(rating));
    }
    String author = optionalText(object, "author", 100);
    String text = optionalText(object, "body", 5_000);
    CatalogRepository.ReviewAdded added = parts.repository().addReview(id, rating.intValue(), author, text)
        .orElseThrow(() -> ApiException.notFound("no product " + id));
    changed(id);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("reviewId", added.reviewId());
    out.put("productId", id);
    out.put("rating", rating.intValue());
    out.put("author", author);
    out.put("body", text);
    out.put("avgRating", added.product().avgRating());
    out.put("reviewCount", added.product().reviewCount());
    out.put("version", added.product().version());
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.header("Location", "/products/" + id);
    ctx.status(201).json(out);
  }

  /**
   * After a committed write of product {@code id}: drop it from every tier and process, then purge
   * the edge (only after the invalidation, or the edge could refill from a tier still holding the
   * old value). Change data capture purges the same key again once it sees the commit.
   */
  private void changed(long id) {
    if (parts.products() != null) {
      // with replicas, the commit's WAL position keeps the next fills off replicas that lack it
      parts.products().invalidate(id, parts.repository().currentPosition());
    }
    parts.edgePurge().purge(List.of(productKey(id)));
  }

  private void getStrongProduct(Context ctx) {
    long id = id(ctx, "product id");
    Product p = parts.repository().findProductLive(id);
    if (p == null) {
      throw ApiException.notFound("no product " + id);
    }
    ctx.json(p);
  }

  // ---- views (write-behind counter) ----

  private void postView(Context ctx) {
    long id = id(ctx, "product id");
    requireProduct(id);
    long total = parts.views().increment(id, 1L);
    ctx.header(CACHE_CONTROL, NO_STORE);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("productId", id);
    out.put("accepted", 1);
    out.put("views", total);
    ctx.status(202).json(out);
  }

  private void getViews(Context ctx) {
    long id = id(ctx, "product id");
    requireProduct(id);
    long views = parts.views().get(id); // the running total: flushed or not
    ctx.header(CACHE_CONTROL, NO_STORE);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("productId", id);
    out.put("views", views);
    ctx.json(out);
  }

  private void requireProduct(long id) {
    boolean exists = parts.products() != null ? parts.products().get(id) != null
        : parts.repository().findProduct(id) != null;
    if (!exists) {
      throw ApiException.notFound("no product " + id);
    }
  }

  // ---- categories ----

  private void getTop(Context ctx) {
    long id = id(ctx, "category id");
    int limit = DEFAULT_TOP_LIMIT;
    String raw = ctx.queryParam("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("limit must be an integer from 1 to " + MAX_TOP_LIMIT + ", was '"
            + ProductPatch.abbreviate(raw) + "'");
      }
      if (limit < 1 || limit > MAX_TOP_LIMIT) {
        throw ApiException.badRequest("limit must be an integer from 1 to " + MAX_TOP_LIMIT + ", was " + limit);
      }
    }
    TopList top = parts.top() != null ? parts.top().get(id) : parts.repository().findTop(id);
    if (top == null) {
      ctx.header(CACHE_CONTROL, cacheable(parts.negativeTtl(), Duration.ZERO, Duration.ZERO));
      ctx.header(SurrogateKeys.XKEY_HEADER, categoryKey(id));
      throw ApiException.notFound("no category " + id);
    }
    ctx.header(CACHE_CONTROL, cacheable(parts.topTtl(), parts.topTtl(), STALE_IF_ERROR));
    ctx.header(SurrogateKeys.XKEY_HEADER, SurrogateKeys.headerValue(categoryKey(id), TOP_KEY));
    ctx.json(top.products().subList(0, Math.min(limit, top.products().size())));
  }

  // ---- operations ----

  private void getMetrics(Context ctx) {
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
    ctx.result(parts.metrics().get());
  }

  private void getHealth(Context ctx) {
    boolean db = parts.repository().ping(2);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", db ? "up" : "down");
    out.put("database", Map.of("status", db ? "up" : "down"));
    Map<String, Object> redis = new LinkedHashMap<>();
    if (parts.redis() == null) {
      redis.put("status", "disabled");
    } else {
      HotsetRedis.Health h = parts.redis().health();
      redis.put("status", h.up() ? "up" : "down");
      redis.put("connected", h.connected());
      redis.put("breaker", h.circuit().name());
      redis.put("endpoint", h.endpoint());
    }
    out.put("redis", redis);
    out.put("breaker", Map.of("l2", parts.redis() == null ? "DISABLED" : parts.redis().health().circuit().name()));
    out.put("cache", parts.hotset() == null ? "off" : "on");
    out.put("viewsPending", parts.views().pending());
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.status(db ? 200 : 503).json(out);
  }

  /**
   * Liveness for load balancers and Varnish probes: 200 while the process serves HTTP, whatever
   * the database says (instances keep serving cached reads through a database outage, so taking
   * them out of rotation then would only turn hits into errors).
   */
  private void getLive(Context ctx) {
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.json(Map.of("status", "up"));
  }

  private void postAdminInvalidate(Context ctx) {
    String token = parts.adminToken();
    if (token == null) {
      throw ApiException.notFound("admin endpoints are off (HOTSET_ADMIN_TOKEN is not set)");
    }
    String auth = ctx.header("Authorization");
    String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
    if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(401, "unauthorized", "a valid 'Authorization: Bearer <token>' header is required");
    }
    JsonNode body = body(ctx);
    if (!(body instanceof ObjectNode object)) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    String region = "product";
    JsonNode r = object.get("region");
    if (r != null) {
      if (!r.isTextual()) {
        throw ApiException.invalid("region", "must be a string");
      }
      region = r.textValue();
    }
    List<String> keys = strings(object, "keys");
    List<String> tags = strings(object, "tags");
    for (String tag : tags) {
      try {
        SurrogateKeys.validate(tag); // tags double as surrogate keys at the edge
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("tags", e.getMessage());
      }
    }
    if (parts.hotset() != null) {
      if (parts.hotset().region(region).isEmpty()) {
        throw ApiException.invalid("region", "no region '" + ProductPatch.abbreviate(region) + "'");
      }
      try {
        parts.hotset().invalidate(region, keys, tags, "admin");
        if (!tags.isEmpty()) {
          for (Region<?, ?> other : parts.hotset().regions()) {
            if (!other.name().equals(region)) {
              parts.hotset().invalidate(other.name(), List.of(), tags, "admin");
            }
          }
        }
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("keys", e.getMessage());
      }
    }
    List<String> surrogate = new ArrayList<>();
    try {
      if (region.equals("product")) {
        keys.forEach(k -> surrogate.add(SurrogateKeys.key("product", k)));
      } else if (region.equals("category-top")) {
        keys.forEach(k -> surrogate.add(SurrogateKeys.key("category", k)));
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("keys", e.getMessage());
    }
    surrogate.addAll(tags);
    parts.edgePurge().purge(surrogate);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("region", region);
    out.put("keys", keys);
    out.put("tags", tags);
    ctx.header(CACHE_CONTROL, NO_STORE);
    ctx.json(out);
  }

  // ---- helpers ----

  /** The intended header of a shared-cacheable answer; {@code no-store} when caching is off (the no-cache baseline). */
  private String cacheable(Duration maxAge, Duration swr, Duration sie) {
    return (parts.hotset() == null ? CacheControl.noStore() : CacheControl.publicFor(maxAge, swr, sie)).toHeaderValue();
  }

  /**
   * The last word on caching headers, after the handler and any exception mapping. A response that
   * depends on the user (request with {@code Authorization}, response setting a cookie) gets the
   * {@link SharedCacheRule}'s header instead of a shareable one; a shareable one varies on
   * {@code Accept-Encoding}; a strong route gets {@code no-store} whatever the handler wrote.
   */
  static void enforceCachingRules(Context ctx) {
    String intended = ctx.res().getHeader(CACHE_CONTROL);
    if (intended != null) {
      CacheControl declared = CacheControl.parse(intended);
      CacheControl actual = SharedCacheRule.cacheControlFor(declared, ctx::header, ctx.res()::getHeader);
      if (!actual.equals(declared)) {
        ctx.header(CACHE_CONTROL, actual.toHeaderValue());
      }
      if (actual.isSharedCacheable()) {
        ctx.header(Vary.HEADER, Vary.merge(ctx.res().getHeader(Vary.HEADER), "Accept-Encoding"));
      } else {
        ctx.res().setHeader(SurrogateKeys.XKEY_HEADER, null); // nothing shared to purge
      }
    }
    STRONG_ROUTES.enforce(ctx.path(), HeaderSink.of(ctx.res()::setHeader, name -> ctx.res().setHeader(name, null)));
  }

  /** The {@code xkey} value of a product's answer: its own key and its category's. */
  static String productSurrogateKeys(long id, long categoryId) {
    return SurrogateKeys.headerValue(List.of(productKey(id), categoryKey(categoryId)));
  }

  static String productKey(long id) {
    return SurrogateKeys.key("product", Long.toString(id));
  }

  static String categoryKey(long id) {
    return SurrogateKeys.key("category", Long.toString(id));
  }

  private static long id(Context ctx, String what) {
    String raw = ctx.pathParam("id");
    if (raw.isEmpty() || raw.length() > 18 || !raw.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw ApiException.badRequest(what + " must be a positive integer, was '" + ProductPatch.abbreviate(raw) + "'");
    }
    long id = Long.parseLong(raw);
    if (id < 1) {
      throw ApiException.badRequest(what + " must be a positive integer, was '" + raw + "'");
    }
    return id;
  }

  private JsonNode body(Context ctx) {
    byte[] bytes = ctx.bodyAsBytes();
    if (bytes.length == 0) {
      throw ApiException.badRequest("a JSON body is required");
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new ApiException(413, "payload_too_large", "the body must be at most " + MAX_BODY_BYTES + " bytes");
    }
    try {
      JsonNode node = json.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw ApiException.badRequest("a JSON body is required");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("unreadable body");
    }
  }

  private static String optionalText(ObjectNode object, String field, int max) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field, "must be a string, was " + ProductPatch.describe(v));
    }
    if (v.textValue().length() > max) {
      throw ApiException.invalid(field, "must be at most " + max + " characters");
    }
    return v.textValue();
  }

  private static List<String> strings(ObjectNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!(v instanceof ArrayNode array)) {
      throw ApiException.invalid(field, "must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : array) {
      if (e.isTextual() && !e.textValue().isEmpty()) {
        out.add(e.textValue());
      } else if (e.isIntegralNumber()) {
        out.add(e.asText());
      } else {
        throw ApiException.invalid(field, "must be an array of non-empty strings, found " + ProductPatch.describe(e));
      }
    }
    return out;
  }

  private void error(Context ctx, int status, String code, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    // Only a 404 keeps what its handler declared (negative caching); no other error is stored.
    if (status != 404 || ctx.res().getHeader(CACHE_CONTROL) == null) {
      ctx.header(CACHE_CONTROL, NO_STORE);
    }
    ctx.status(status).json(body);
  }

  private static String statusCode(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      default -> status >= 500 ? "internal_error" : "http_" + status;
    };
  }
}
