package io.hotset;

import java.util.Map;
import java.util.Set;

/**
 * Loads many values in one call (one SQL {@code IN (...)}, one pipelined request).
 * Keys left out of the returned map do not exist and are cached as absent.
 *
 * <p>A batch loader is not told source positions ({@link Loader#load(Object, long)}): in a
 * region that also has a loader, keys with a remembered position are loaded one by one through
 * it; in a region with a batch loader only, positions are not applied, so such a region must
 * read a source that never lags (the primary).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface BatchLoader<K, V> {

  /** Loads the values of {@code keys}; the map may omit keys that do not exist. May block. */
  Map<K, V> loadAll(Set<K> keys) throws Exception;
}
