package io.hotset.spi;

import java.util.UUID;

/**
 * The string form of a region's keys: keys cross process boundaries (L2 keys, invalidation
 * broadcasts) as strings and come back as keys. {@code parse(format(k))} must equal {@code k}.
 *
 * @param <K> the key type
 */
public interface KeyFormat<K> {

  /** The string form of a non-null key. */
  String format(K key);

  /** The key for a string produced by {@link #format}; throws on malformed input. */
  K parse(String text);

  /** A format for {@code String}, {@code Long}, {@code Integer} and {@code UUID} keys, or null. */
  @SuppressWarnings("unchecked")
  static <K> KeyFormat<K> standard(Class<K> keyType) {
    if (keyType == String.class) {
      return (KeyFormat<K>) Standard.STRING;
    } else if (keyType == Long.class) {
      return (KeyFormat<K>) Standard.LONG;
    } else if (keyType == Integer.class) {
      return (KeyFormat<K>) Standard.INTEGER;
    } else if (keyType == UUID.class) {
      return (KeyFormat<K>) Standard.UUIDS;
    }
    return null;
  }

  /** Built-in formats. */
  final class Standard {
    static final KeyFormat<String> STRING = new KeyFormat<>() {
      @Override public String format(String key) { return key; }
      @Override public String parse(String text) { return text; }
    };
    static final KeyFormat<Long> LONG = new KeyFormat<>() {
      @Override public String format(Long key) { return key.toString(); }
      @Override public Long parse(String text) { return Long.valueOf(text); }
    };
    static final KeyFormat<Integer> INTEGER = new KeyFormat<>() {
      @Override public String format(Integer key) { return key.toString(); }
      @Override public Integer parse(String text) { return Integer.valueOf(text); }
    };
    static final KeyFormat<UUID> UUIDS = new KeyFormat<>() {
      @Override public String format(UUID key) { return key.toString(); }
      @Override public UUID parse(String text) { return UUID.fromString(text); }
    };

    private Standard() {}
  }
}
