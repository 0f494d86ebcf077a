package io.hotset.catalog.spi;

import java.util.Collection;

/**
 * Purges responses from the HTTP edge (Varnish, a CDN) by surrogate key, e.g. {@code product:42}
 * or {@code category:5}: the keys the catalog sends in its {@code xkey} header. Called after the
 * source write committed and the cache tiers were invalidated. Implementations must not throw and
 * should not block the caller for long (purge asynchronously, log failures).
 */
@FunctionalInterface
public interface EdgePurge {

  void purge(Collection<String> surrogateKeys);

  /** The default without {@code HOTSET_EDGE_PURGE_URL}: nothing to purge. */
  static EdgePurge none() {
    return keys -> {};
  }
}
