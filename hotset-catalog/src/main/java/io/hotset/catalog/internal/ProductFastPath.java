package io.hotset.catalog.internal;

import io.hotset.Region;
import io.hotset.http.ConditionalRequests;
import io.hotset.http.Vary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.HandlerWrapper;

/**
 * The catalog's hottest request, {@code GET /products/{id}} answered from the product region,
 * served by a Jetty handler in front of Javalin. A cached product is already rendered
 * ({@link ProductDoc}), so what is left per request is routing and headers; Javalin's context,
 * router and after-handler cost about as much CPU as the rest of the request together (profiled
 * under the load harness), and on a machine where the service shares its cores, that is
 * throughput.
 *
 * <p>It answers exactly what the Javalin route and its caching rules answer
 * ({@link CatalogHttpApi#enforceCachingRules}), and only when that is certain; everything else goes
 * on to Javalin unchanged:
 * <ul>
 *   <li>only {@code GET} and {@code HEAD} of {@code /products/} followed by 1 to 18 digits (no
 *       other path form, so nothing that normalizes to a strong route);</li>
 *   <li>not with {@code Authorization} or {@code Cookie} (the shared-cache rule decides those);</li>
 *   <li>not when the product is absent (404 and its negative caching), the region throws (load
 *       shedding, an unavailable database), or a precondition fails (412).</li>
 * </ul>
 * Answers carry the same {@code ETag}, {@code Cache-Control}, {@code xkey} and
 * {@code Vary: Accept-Encoding}; a {@code 304} answers a matching {@code If-None-Match}; a
 * client that accepts gzip gets the body gzipped, compressed once per cached version rather than
 * once per request.
 */
public final class ProductFastPath extends HandlerWrapper {
  private static final String PREFIX = "/products/";
  private static final int MIN_GZIP_BYTES = 1_500; // Javalin's threshold: smaller bodies go as they are

  private final Region<Long, ProductDoc> products;
  private final String cacheControl;
  private final String vary = Vary.merge(null, "Accept-Encoding");
  private final Counter served;

  /**
   * @param products the product region
   * @param cacheControl the product route's {@code Cache-Control} value, as the Javalin handler sets it
   * @param registry where {@code hotset_catalog_fast_path_responses_total} goes
   */
  public ProductFastPath(Region<Long, ProductDoc> products, String cacheControl, MeterRegistry registry) {
    this.products = products;
    this.cacheControl = cacheControl;
    this.served = Counter.builder("hotset.catalog.fast.path.responses")
        .description("product reads answered ahead of Javalin (the rest went through its route)").register(registry);
  }

  @Override
  public void handle(String target, Request base, HttpServletRequest req, HttpServletResponse res)
      throws IOException, ServletException {
    if (!serve(base, req, res)) {
      super.handle(target, base, req, res);
    }
  }

  private boolean serve(Request base, HttpServletRequest req, HttpServletResponse res) throws IOException {
    String method = req.getMethod();
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      return false;
    }
    long id = productId(base.getHttpURI().getPath());
    if (id < 1 || req.getHeader("Authorization") != null || req.getHeader("Cookie") != null) {
      return false;
    }
    boolean gzip = acceptsGzip(req.getHeader("Accept-Encoding"));
    ProductDoc d;
    try {
      d = products.get(id);
    } catch (RuntimeException e) {
      return false; // Javalin maps it (503 with Retry-After, ...)
    }
    if (d == null) {
      return false; // the 404 and its negative-caching headers come from Javalin (a cached miss there)
    }
    ConditionalRequests.Outcome outcome = ConditionalRequests.evaluate(method, req::getHeader, d.etag());
    if (outcome == ConditionalRequests.Outcome.PRECONDITION_FAILED) {
      return false; // Javalin's route answers the 412 with its message; nothing is set on the response yet
    }
    CatalogHttpApi.productHeaders(res::setHeader, d.etag(), cacheControl, d.surrogateKeys());
    res.setHeader(Vary.HEADER, vary); // on the route, CatalogHttpApi.enforceCachingRules adds it
    if (outcome == ConditionalRequests.Outcome.NOT_MODIFIED) {
      res.setStatus(304);
    } else {
      byte[] body = d.json();
      if (gzip && body.length >= MIN_GZIP_BYTES) {
        body = d.gzip(); // compressed once per cached version
        res.setHeader("Content-Encoding", "gzip");
      }
      res.setStatus(200);
      res.setContentType("application/json");
      res.setContentLength(body.length);
      if (!head) {
        res.getOutputStream().write(body);
      }
    }
    base.setHandled(true);
    served.increment();
    return true;
  }

  /** The id of a path that is exactly {@code /products/} and 1 to 18 digits, else -1. */
  static long productId(String path) {
    if (path == null || !path.startsWith(PREFIX)) {
      return -1;
    }
    int n = path.length() - PREFIX.length();
    if (n < 1 || n > 18) {
      return -1;
    }
    long id = 0;
    for (int i = PREFIX.length(); i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      id = id * 10 + (c - '0');
    }
    return id;
  }

  /**
   * Whether {@code Accept-Encoding} admits gzip: a {@code gzip} (or {@code x-gzip}) coding with a
   * non-zero weight, or else {@code *} with one.
   */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null || acceptEncoding.isBlank()) {
      return false;
    }
    if (acceptEncoding.indexOf(';') < 0 && acceptEncoding.indexOf('*') < 0) {
      return listsGzip(acceptEncoding); // the usual header ("gzip", "gzip, deflate, br"): no weights, no allocation
    }
    Boolean star = null;
    for (String part : acceptEncoding.split(",")) {
      String[] params = part.split(";");
      String coding = params[0].trim().toLowerCase(Locale.ROOT);
      boolean allowed = true;
      for (int i = 1; i < params.length; i++) {
        String p = params[i].trim().toLowerCase(Locale.ROOT);
        if (p.startsWith("q=")) {
          try {
            allowed = Double.parseDouble(p.substring(2).trim()) > 0;
          } catch (NumberFormatException e) {
            allowed = false;
          }
        }
      }
      if (coding.equals("gzip") || coding.equals("x-gzip")) {
        return allowed;
      }
      if (coding.equals("*")) {
        star = allowed;
      }
    }
    return star != null && star;
  }

  /** Whether a weightless coding list names {@code gzip} or {@code x-gzip}, scanned in place. */
  private static boolean listsGzip(String list) {
    int n = list.length();
    int i = 0;
    while (i < n) {
      int end = list.indexOf(',', i);
      if (end < 0) {
        end = n;
      }
      int from = i;
      int to = end;
      while (from < to && Character.isWhitespace(list.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(list.charAt(to - 1))) {
        to--;
      }
      int len = to - from;
      if ((len == 4 && list.regionMatches(true, from, "gzip", 0, 4))
          || (len == 6 && list.regionMatches(true, from, "x-gzip", 0, 6))) {
        return true;
      }
      i = end + 1;
    }
    return false;
  }
}
