package io.hotset.postgres;

import java.util.Objects;

/**
 * A position in PostgreSQL's write-ahead log (a {@code pg_lsn}): an unsigned 64-bit byte offset,
 * written {@code X/Y} in hex ({@code 16/B374D848}). Read replicas are compared with it (a replica
 * whose replay position is at or past a write's LSN shows that write), and invalidations carry
 * the LSN of the change behind them, so a cache fill can ask for a source at least that new.
 *
 * <p>Immutable and thread-safe. Ordering is unsigned, as in PostgreSQL. {@link #NONE}
 * ({@code 0/0}, PostgreSQL's {@code InvalidXLogRecPtr}) is below every real position.
 */
public final class Lsn implements Comparable<Lsn> {
  /** {@code 0/0}: no position. Every LSN is at least {@code NONE}. */
  public static final Lsn NONE = new Lsn(0);

  private static final int MAX_QUOTED = 40;

  private final long value;

  private Lsn(long value) {
    this.value = value;
  }

  /**
   * The LSN at the given byte position (unsigned), e.g. {@code LogSequenceNumber.asLong()} of
   * PgJDBC's replication API.
   */
  public static Lsn of(long value) {
    return value == 0 ? NONE : new Lsn(value);
  }

  /**
   * Parses PostgreSQL's text form: two groups of 1 to 8 hex digits separated by {@code /}
   * (either case; no blanks, signs or prefixes), as {@code pg_lsn} input accepts them.
   *
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not in that form; the message quotes it
   */
  public static Lsn parse(String text) {
    Objects.requireNonNull(text, "lsn");
    int slash = text.indexOf('/');
    if (slash < 1 || slash > 8 || text.length() - slash - 1 < 1 || text.length() - slash - 1 > 8) {
      throw malformed(text);
    }
    long high = hex(text, 0, slash);
    long low = hex(text, slash + 1, text.length());
    return of(high << 32 | low);
  }

  private static long hex(String text, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        throw malformed(text);
      }
      v = v << 4 | d;
    }
    return v;
  }

  private static IllegalArgumentException malformed(String text) {
    return new IllegalArgumentException("not a WAL position (LSN, e.g. 16/B374D848): " + quote(text));
  }

  /** Quotes untrusted input for an error message: at most 40 characters, control characters escaped. */
  static String quote(String text) {
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(text.length(), MAX_QUOTED);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\'') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('\'');
    if (text.length() > MAX_QUOTED) {
      sb.append("... (").append(text.length()).append(" chars)");
    }
    return sb.toString();
  }

  /** The byte position, an unsigned 64-bit number (compare with {@link Long#compareUnsigned}). */
  public long asLong() {
    return value;
  }

  /** Whether this is {@link #NONE}. */
  public boolean isNone() {
    return value == 0;
  }

  /** Whether this position is at or past {@code other}. */
  public boolean isAtLeast(Lsn other) {
    return compareTo(other) >= 0;
  }

  /**
   * WAL bytes from {@code earlier} to this position (PostgreSQL's {@code pg_wal_lsn_diff}), or 0
   * when {@code earlier} is not before this one.
   */
  public long bytesAfter(Lsn earlier) {
    return isAtLeast(earlier) ? value - earlier.value : 0;
  }

  /** The later of two positions. */
  public static Lsn max(Lsn a, Lsn b) {
    return a.isAtLeast(b) ? a : b;
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Lsn && ((Lsn) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /** PostgreSQL's text form, upper-case hex without leading zeros: {@code 16/B374D848}. */
  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
        + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
  }
}
