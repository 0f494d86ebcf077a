package io.hotset.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which L1 keys carry which tag. Mutated only inside an atomic L1 operation on the key
 * (compute, or Caffeine's eviction listener) so the index and the cache agree per key.
 */
final class TagIndex<K> {
  private final ConcurrentHashMap<String, Set<K>> byTag = new ConcurrentHashMap<>();

  void add(K key, String[] tags) {
    for (String tag : tags) {
      byTag.compute(tag, (t, keys) -> {
        Set<K> set = keys != null ? keys : ConcurrentHashMap.newKeySet();
        set.add(key);
        return set;
      });
    }
  }

  void remove(K key, String[] tags) {
    for (String tag : tags) {
      byTag.computeIfPresent(tag, (t, keys) -> {
        keys.remove(key);
        return keys.isEmpty() ? null : keys;
      });
    }
  }

  /** Removes the key from the tags in {@code from} that are not in {@code keep}. */
  void removeExcept(K key, String[] from, String[] keep) {
    for (String tag : from) {
      if (!contains(keep, tag)) {
        byTag.computeIfPresent(tag, (t, keys) -> {
          keys.remove(key);
          return keys.isEmpty() ? null : keys;
        });
      }
    }
  }

  List<K> keys(String tag) {
    Set<K> keys = byTag.get(tag);
    return keys == null ? List.of() : new ArrayList<>(keys);
  }

  int tagCount() {
    return byTag.size();
  }

  private static boolean contains(String[] tags, String tag) {
    for (String t : tags) {
      if (t.equals(tag)) {
        return true;
      }
    }
    return false;
  }
}
