package io.hotset.catalog.spi;

import io.hotset.http.SurrogateKeys;
import io.hotset.http.spi.EdgePurger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Purges responses from the HTTP edge (Varnish, a CDN) by surrogate key, e.g. {@code product:42}
 * or {@code category:5}: the keys the catalog sends in its {@code xkey} header. The service calls it
 * after a source write committed and the cache tiers were invalidated (its own writes, and every
 * change that change data capture sees). Implementations must not throw and should not block the
 * caller: purge asynchronously and log failures. An edge purge is an optimisation on top of the
 * edge's TTL, never a reason to fail a write.
 *
 * <p>hotset-http's {@link EdgePurger} SPI (Varnish, or a CDN's purge API) plugs in through
 * {@link #of(EdgePurger)}.
 */
@FunctionalInterface
public interface EdgePurge {

  /** Purges every edge object tagged with any of these keys; returns at once, never throws. */
  void purge(Collection<String> surrogateKeys);

  /** The default without {@code HOTSET_EDGE_PURGE_URL}: nothing to purge. */
  static EdgePurge none() {
    return keys -> {};
  }

  /**
   * Purges through {@code purger} (e.g. {@code EdgePurgers.varnish(uri, options)}), which batches,
   * retries, counts {@code hotset_edge_purges_total} and logs its own final failures. Keys that are
   * not valid surrogate keys are left out (and reported on stderr) instead of failing the caller.
   */
  static EdgePurge of(EdgePurger purger) {
    Objects.requireNonNull(purger, "purger");
    return keys -> {
      List<String> valid = new ArrayList<>(keys.size());
      for (String key : keys) {
        try {
          valid.add(SurrogateKeys.validate(key));
        } catch (IllegalArgumentException | NullPointerException e) {
          System.err.println("hotset-catalog: not purging an invalid surrogate key: " + e.getMessage());
        }
      }
      if (!valid.isEmpty()) {
        purger.purgeKeys(valid);
      }
    };
  }
}
