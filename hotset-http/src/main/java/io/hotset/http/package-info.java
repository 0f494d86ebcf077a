/**
 * HTTP caching for the edge tier: {@link io.hotset.http.CacheControl} headers, {@link io.hotset.http.ETags}
 * and {@link io.hotset.http.ConditionalRequests} for 304s, {@link io.hotset.http.Vary},
 * {@link io.hotset.http.SharedCacheRule} (user-dependent responses are never shared),
 * {@link io.hotset.http.SurrogateKeys}, {@link io.hotset.http.VersionedUrls},
 * {@link io.hotset.http.StrongRoutePolicy} (no-store enforced after the handler), and purging an edge cache
 * through {@link io.hotset.http.EdgePurgers} with the shipped Varnish configuration ({@link io.hotset.http.VarnishVcl}).
 *
 * <p>Everything here is framework-independent: pure functions over header values, plus a purger built on
 * {@code java.net.http}.
 */
package io.hotset.http;
