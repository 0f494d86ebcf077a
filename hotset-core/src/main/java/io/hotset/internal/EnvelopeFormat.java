package io.hotset.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary form of an envelope in a byte tier (L2). Compact and versioned:
 * <pre>
 *   byte   magic 'h'      byte   format (1)     byte flags (bit 0: absent)
 *   long   version        long   loadNanos
 *   long   loadedAt, freshUntil, staleUntil, errorUntil   (wall-clock epoch millis)
 *   short  tag count, then per tag: short length + UTF-8 bytes
 *   int    value length, then the codec's bytes
 * </pre>
 * Deadlines are wall-clock because the bytes are shared by processes whose tickers differ.
 */
final class EnvelopeFormat {
  static final byte MAGIC = io.hotset.spi.EnvelopeHeader.MAGIC;
  static final byte FORMAT = io.hotset.spi.EnvelopeHeader.FORMAT;
  private static final int HEADER = 3 + 8 * 6 + 2 + 4;

  /** The decoded parts of an L2 envelope, times in wall-clock millis. */
  record Wire(boolean absent, long version, long loadNanos, long loadedAt, long freshUntil,
      long staleUntil, long errorUntil, String[] tags, byte[] value, int valueOffset, int valueLength) {

    /** A wire form for encoding a whole value array. */
    Wire(boolean absent, long version, long loadNanos, long loadedAt, long freshUntil, long staleUntil,
        long errorUntil, String[] tags, byte[] value) {
      this(absent, version, loadNanos, loadedAt, freshUntil, staleUntil, errorUntil, tags, value, 0, value.length);
    }
  }

  private EnvelopeFormat() {}

  static byte[] encode(Wire w) {
    byte[][] tagBytes = new byte[w.tags().length][];
    int size = HEADER + w.valueLength();
    for (int i = 0; i < tagBytes.length; i++) {
      tagBytes[i] = w.tags()[i].getBytes(StandardCharsets.UTF_8);
      if (tagBytes[i].length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("tag longer than " + Short.MAX_VALUE + " bytes");
      }
      size += 2 + tagBytes[i].length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC).put(FORMAT).put((byte) (w.absent() ? 1 : 0));
    b.putLong(w.version()).putLong(w.loadNanos()).putLong(w.loadedAt()).putLong(w.freshUntil())
        .putLong(w.staleUntil()).putLong(w.errorUntil());
    b.putShort((short) tagBytes.length);
    for (byte[] t : tagBytes) {
      b.putShort((short) t.length).put(t);
    }
    b.putInt(w.valueLength()).put(w.value(), w.valueOffset(), w.valueLength());
    return b.array();
  }

  /** Decodes bytes of {@link #encode}; throws IllegalArgumentException on anything else. */
  static Wire decode(byte[] bytes) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      if (b.get() != MAGIC) {
        throw new IllegalArgumentException("not a hotset envelope (bad magic)");
      }
      byte format = b.get();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown envelope format " + format);
      }
      boolean absent = (b.get() & 1) != 0;
      long version = b.getLong();
      long loadNanos = b.getLong();
      long loadedAt = b.getLong();
      long freshUntil = b.getLong();
      long staleUntil = b.getLong();
      long errorUntil = b.getLong();
      int tagCount = b.getShort();
      if (tagCount < 0) {
        throw new IllegalArgumentException("negative tag count");
      }
      String[] tags = tagCount == 0 ? Envelope.NO_TAGS : new String[tagCount];
      for (int i = 0; i < tagCount; i++) {
        int len = b.getShort();
        if (len < 0 || len > b.remaining()) {
          throw new IllegalArgumentException("bad tag length " + len);
        }
        byte[] t = new byte[len];
        b.get(t);
        tags[i] = new String(t, StandardCharsets.UTF_8);
      }
      int len = b.getInt();
      if (len < 0 || len != b.remaining()) {
        throw new IllegalArgumentException("bad value length " + len);
      }
      // the value is decoded in place: no copy
      return new Wire(absent, version, loadNanos, loadedAt, freshUntil, staleUntil, errorUntil, tags, bytes,
          b.position(), len);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated envelope", e);
    }
  }
}
