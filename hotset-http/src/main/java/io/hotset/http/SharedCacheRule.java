package io.hotset.http;

import java.util.Objects;
import java.util.function.Function;

/**
 * The rule that keeps one user's response out of everyone's cache: a response may be stored by a
 * shared cache only if the request carried no {@code Authorization} and the response sets no
 * cookie. Otherwise it depends on the user, and the {@code Cache-Control} a handler intended is
 * replaced:
 *
 * <ul>
 *   <li>the response sets a cookie: {@code no-store} (nobody keeps a response that starts or
 *       changes a session);
 *   <li>the request carried {@code Authorization}: {@code private} with the intended
 *       {@code max-age}, {@code no-cache}, {@code must-revalidate}, {@code immutable} and stale
 *       windows; {@code public}, {@code s-maxage} and {@code proxy-revalidate} are dropped. This
 *       matters because RFC 9111 §3.5 lets a shared cache store an authorized response that says
 *       {@code public} or {@code s-maxage}.
 * </ul>
 *
 * <p>The shipped Varnish configuration enforces the same rule at the edge (it never stores such
 * responses whatever their headers say); this class makes the origin say so too, for every other
 * cache on the way. Pure and thread-safe.
 */
public final class SharedCacheRule {
  private SharedCacheRule() {}

  /** Whether a response is user-dependent: the request carried credentials or the response sets a cookie. */
  public static boolean isUserDependent(boolean requestHasAuthorization, boolean responseSetsCookie) {
    return requestHasAuthorization || responseSetsCookie;
  }

  /**
   * The {@code Cache-Control} to send instead of {@code intended}; {@code intended} itself when the
   * response is not user-dependent.
   */
  public static CacheControl cacheControlFor(CacheControl intended, boolean requestHasAuthorization,
      boolean responseSetsCookie) {
    Objects.requireNonNull(intended, "intended");
    if (responseSetsCookie) {
      return CacheControl.noStore();
    }
    if (!requestHasAuthorization || intended.isNoStore() || isPrivateAlready(intended)) {
      return intended;
    }
    CacheControl.Builder b = CacheControl.builder().cachePrivate();
    intended.maxAge().ifPresent(b::maxAge);
    intended.staleWhileRevalidate().ifPresent(b::staleWhileRevalidate);
    intended.staleIfError().ifPresent(b::staleIfError);
    if (intended.isNoCache()) {
      b.noCache();
    }
    if (intended.isMustRevalidate()) {
      b.mustRevalidate();
    }
    if (intended.isImmutable()) {
      b.immutable();
    }
    if (intended.isNoTransform()) {
      b.noTransform();
    }
    if (intended.maxAge().isEmpty() && !intended.isNoCache()) {
      b.noCache(); // no private lifetime was intended: revalidate rather than guess one
    }
    return b.build();
  }

  private static boolean isPrivateAlready(CacheControl c) {
    return c.isPrivate() && c.sMaxAge().isEmpty() && !c.isProxyRevalidate();
  }

  /**
   * {@link #cacheControlFor(CacheControl, boolean, boolean)} with the facts read from the headers.
   *
   * @param requestHeader a request header's value by name, or null when absent (e.g. Javalin's {@code ctx::header})
   * @param responseHeader a response header's value by name, or null when absent (e.g. {@code ctx.res()::getHeader})
   */
  public static CacheControl cacheControlFor(CacheControl intended, Function<String, String> requestHeader,
      Function<String, String> responseHeader) {
    return cacheControlFor(intended, requestHeader.apply("Authorization") != null,
        responseHeader.apply("Set-Cookie") != null);
  }
}
