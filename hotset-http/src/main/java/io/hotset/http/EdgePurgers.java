package io.hotset.http;

import io.hotset.http.internal.VarnishPurger;
import io.hotset.http.internal.HttpSyntax;
import io.hotset.http.spi.EdgePurger;
import java.net.URI;
import java.util.Objects;

/**
 * The entry point for edge purgers: {@link #varnish(URI)} for Varnish running {@link VarnishVcl the
 * shipped VCL}, {@link #noop()} for services without an edge.
 */
public final class EdgePurgers {
  private EdgePurgers() {}

  /**
   * A purger for Varnish with {@link VarnishPurgeOptions#defaults()}.
   *
   * @see #varnish(URI, VarnishPurgeOptions)
   */
  public static EdgePurger varnish(URI purgeEndpoint) {
    return varnish(purgeEndpoint, VarnishPurgeOptions.defaults());
  }

  /**
   * A purger that sends {@code BAN} requests to Varnish: surrogate keys in the
   * {@value VarnishVcl#KEYS_HEADER} header, URLs in {@value VarnishVcl#URLS_HEADER}, as many per
   * request as {@link VarnishPurgeOptions#maxHeaderBytes()} allows. The shipped VCL turns each into
   * one ban, which drops the matching objects (all variants, graced ones too) at their next lookup
   * and in the background. Failed requests (I/O errors, timeouts, 5xx) are retried with backoff;
   * 4xx answers (e.g. 403 from the purge ACL) are not. Results are counted in
   * {@code hotset_edge_purges_total{result=success|failure}}, one per request after retries, and
   * final failures are logged; nothing is thrown to the caller.
   *
   * @param purgeEndpoint Varnish's HTTP address, e.g. {@code http://127.0.0.1:6081/}; the path is ignored
   * @throws IllegalArgumentException if the endpoint is not an absolute http(s) URI with a host
   */
  public static EdgePurger varnish(URI purgeEndpoint, VarnishPurgeOptions options) {
    Objects.requireNonNull(purgeEndpoint, "purgeEndpoint");
    Objects.requireNonNull(options, "options");
    String scheme = purgeEndpoint.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || purgeEndpoint.getHost() == null) {
      throw new IllegalArgumentException("purge endpoint must be an absolute http(s) URI with a host, was "
          + HttpSyntax.quoteForMessage(purgeEndpoint.toString()));
    }
    return new VarnishPurger(purgeEndpoint, options);
  }

  /** {@link EdgePurger#noop()}. */
  public static EdgePurger noop() {
    return EdgePurger.noop();
  }
}
