package io.hotset.catalog.internal;

import java.time.Duration;
import java.util.Collection;

/**
 * The catalog's HTTP caching decisions, as pure functions of their inputs: {@code Cache-Control}
 * values (RFC 9111 §5.2, RFC 5861 for {@code stale-while-revalidate} / {@code stale-if-error}),
 * entity tags from row versions and {@code If-None-Match} evaluation (RFC 9110 §8.8.3, §13.1.2),
 * and the surrogate-key header Varnish's xkey module purges by. The one place to swap for
 * {@code hotset-http} once it exists.
 */
public final class HttpHeaders {
  public static final String CACHE_CONTROL = "Cache-Control";
  public static final String ETAG = "ETag";
  public static final String IF_NONE_MATCH = "If-None-Match";
  /** Varnish xkey: space-separated surrogate keys of a response. */
  public static final String SURROGATE_KEY = "xkey";
  public static final String NO_STORE = "no-store";

  private HttpHeaders() {}

  /** {@code public, max-age=…, stale-while-revalidate=…, stale-if-error=…}; zero windows are left out. */
  public static String sharedCacheable(Duration maxAge, Duration staleWhileRevalidate, Duration staleIfError) {
    StringBuilder b = new StringBuilder("public, max-age=").append(seconds(maxAge));
    if (!staleWhileRevalidate.isZero()) {
      b.append(", stale-while-revalidate=").append(seconds(staleWhileRevalidate));
    }
    if (!staleIfError.isZero()) {
      b.append(", stale-if-error=").append(seconds(staleIfError));
    }
    return b.toString();
  }

  /** A strong entity tag for a representation identified by its row version: {@code "v7"}. */
  public static String etag(long version) {
    return "\"v" + version + "\"";
  }

  /**
   * Whether a GET with this {@code If-None-Match} value gets {@code 304} for a representation tagged
   * {@code etag}: {@code *}, or any listed tag equal under the weak comparison (RFC 9110 §8.8.3.2,
   * {@code W/} ignored), as a cache revalidating a GET must use.
   */
  public static boolean notModified(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      return false;
    }
    String target = opaque(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || (!c.isEmpty() && opaque(c).equals(target))) {
        return true;
      }
    }
    return false;
  }

  /** The surrogate-key header value: keys separated by single spaces. */
  public static String surrogateKeys(Collection<String> keys) {
    return String.join(" ", keys);
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  private static long seconds(Duration d) {
    return Math.max(0, d.toSeconds());
  }
}
