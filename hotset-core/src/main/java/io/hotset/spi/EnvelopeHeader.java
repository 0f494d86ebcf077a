package io.hotset.spi;

/**
 * The fixed header of an encoded envelope, for tiers that must judge freshness next to the
 * data (e.g. inside a Redis script) without decoding the value. Bytes, big-endian:
 * {@code [0] magic 'h', [1] format, [2] flags, [3..10] version, [11..18] loadNanos,
 * [19..26] loadedAt, [27..34] freshUntil} (wall-clock epoch millis), then the rest.
 */
public final class EnvelopeHeader {
  /** The first byte of every envelope. */
  public static final byte MAGIC = 'h';
  /** The current format number (byte 1). */
  public static final byte FORMAT = 1;
  /** Byte offset (0-based) of the value's version, a big-endian long. */
  public static final int VERSION_OFFSET = 3;
  /** Byte offset (0-based) of the freshUntil wall-clock millis, a big-endian long. */
  public static final int FRESH_UNTIL_OFFSET = 27;
  /** No envelope is shorter than this. */
  public static final int MIN_LENGTH = FRESH_UNTIL_OFFSET + 8;

  private EnvelopeHeader() {}
}
