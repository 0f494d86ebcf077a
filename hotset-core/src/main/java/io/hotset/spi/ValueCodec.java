package io.hotset.spi;

/**
 * Turns a region's values into bytes and back, for tiers that store bytes (L2).
 * Implementations must be thread-safe and must not use Java native serialization.
 * Any exception thrown is reported by the engine as a {@link io.hotset.CodecException}
 * naming the region and key; a failing encode stores nothing, a failing decode is a miss.
 *
 * @param <V> the value type
 */
public interface ValueCodec<V> {

  /** Encodes a non-null value. */
  byte[] encode(V value) throws Exception;

  /** Decodes bytes produced by {@link #encode}; never returns null for valid input. */
  V decode(byte[] bytes) throws Exception;

  /**
   * Decodes {@code length} bytes at {@code offset} (an envelope's value in place, without a
   * copy). The default copies and calls {@link #decode(byte[])}; override it when the
   * underlying library reads slices.
   */
  default V decode(byte[] bytes, int offset, int length) throws Exception {
    return decode(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
  }
}
