package io.hotset.http.spi;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Removes responses from an HTTP edge cache (Varnish, a CDN) by surrogate key or by URL, driven by
 * the same invalidation events as the other tiers.
 *
 * <p>Contract for implementations: the methods return quickly and never throw for edge failures;
 * the returned future always completes <em>normally</em>, with a {@link PurgeResult} that says what
 * failed after the implementation's retries. An edge purge is an optimization on top of TTLs, and
 * it must never turn an invalidation (let alone a read) into an error. Arguments that are invalid
 * (a malformed key) are the caller's bug and are rejected at once with an
 * {@link IllegalArgumentException}. Implementations are thread-safe.
 *
 * <p>To wait, block on the future with a timeout: {@code purger.purgeKeys(keys).get(5, SECONDS)}.
 */
public interface EdgePurger extends AutoCloseable {

  /**
   * Purges every cached response carrying any of these surrogate keys.
   *
   * @throws IllegalArgumentException if a key is not a valid surrogate key
   */
  CompletableFuture<PurgeResult> purgeKeys(Collection<String> surrogateKeys);

  /**
   * Purges the cached responses (all variants) of these URLs, given as paths with optional query
   * ({@code /products/42?v=7}); absolute URLs are reduced to their path and query.
   *
   * @throws IllegalArgumentException if a URL is malformed
   */
  CompletableFuture<PurgeResult> purgeUrls(Collection<String> urls);

  /** Stops accepting purges; purges in flight may still complete. Default: nothing. */
  @Override
  default void close() {}

  /** A purger that purges nothing and reports every request as done: for services without an edge. */
  static EdgePurger noop() {
    return new EdgePurger() {
      @Override
      public CompletableFuture<PurgeResult> purgeKeys(Collection<String> surrogateKeys) {
        return CompletableFuture.completedFuture(PurgeResult.success(List.copyOf(surrogateKeys), 0));
      }

      @Override
      public CompletableFuture<PurgeResult> purgeUrls(Collection<String> urls) {
        return CompletableFuture.completedFuture(PurgeResult.success(List.copyOf(urls), 0));
      }

      @Override
      public String toString() {
        return "EdgePurger.noop()";
      }
    };
  }
}
