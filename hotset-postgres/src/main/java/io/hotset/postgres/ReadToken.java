package io.hotset.postgres;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client carries (typically in a cookie) after a write so that its next reads see that
 * write: either the primary's WAL position after the write ({@code lsn:16/B374D848}), which a
 * replica must have replayed before it may serve the client, or a wall-clock deadline until which
 * the client reads from the primary ({@code pin:1712345678901}, epoch milliseconds).
 * {@link ReplicaRouter#writeToken} makes one in the router's {@link ReplicaRouter.ReadYourWrites}
 * mode; {@link ReadConsistency#of(ReadToken)} turns one into a read rule.
 *
 * <p>The string form is cookie-safe ({@code [a-z0-9:/A-F]}). Tokens are not signed: a forged
 * token can only send its own holder's reads to the primary (an LSN token from the future, or a
 * pin; the router ignores pins reaching further ahead than twice its pin duration). Immutable.
 */
public final class ReadToken {
  private static final String LSN_PREFIX = "lsn:";
  private static final String PIN_PREFIX = "pin:";

  private final Lsn lsn;
  private final long pinnedUntilMillis;

  private ReadToken(Lsn lsn, long pinnedUntilMillis) {
    this.lsn = lsn;
    this.pinnedUntilMillis = pinnedUntilMillis;
  }

  /** A token asking for a source that has replayed at least {@code lsn}. */
  public static ReadToken lsn(Lsn lsn) {
    return new ReadToken(Objects.requireNonNull(lsn, "lsn"), 0);
  }

  /** A token pinning its holder's reads to the primary until {@code until}. */
  public static ReadToken pinnedUntil(Instant until) {
    long millis = Objects.requireNonNull(until, "until").toEpochMilli();
    if (millis < 0) {
      throw new IllegalArgumentException("until must not be before the epoch, was " + until);
    }
    return new ReadToken(null, millis);
  }

  /**
   * Parses the {@link #toString()} form.
   *
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if it is not a token; the message quotes (at most 40
   *     characters of) it
   */
  public static ReadToken parse(String text) {
    Objects.requireNonNull(text, "token");
    if (text.startsWith(LSN_PREFIX)) {
      try {
        return lsn(Lsn.parse(text.substring(LSN_PREFIX.length())));
      } catch (IllegalArgumentException e) {
        throw malformed(text);
      }
    }
    if (text.startsWith(PIN_PREFIX)) {
      String digits = text.substring(PIN_PREFIX.length());
      if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw malformed(text);
      }
      return new ReadToken(null, Long.parseLong(digits));
    }
    throw malformed(text);
  }

  /**
   * Parses a token from untrusted input, e.g. a cookie that may be absent or damaged: empty for
   * null, blank or malformed text.
   */
  public static Optional<ReadToken> tryParse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parse(text.strip()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static IllegalArgumentException malformed(String text) {
    return new IllegalArgumentException(
        "not a read token (lsn:<X/Y> or pin:<epoch millis>): " + Lsn.quote(text));
  }

  /** Whether this is a time pin rather than a WAL position. */
  public boolean isPin() {
    return lsn == null;
  }

  /** The WAL position a source must have replayed, or {@link Lsn#NONE} for a pin. */
  public Lsn lsn() {
    return lsn == null ? Lsn.NONE : lsn;
  }

  /** The end of the pin, or {@link Instant#EPOCH} for an LSN token. */
  public Instant pinnedUntil() {
    return Instant.ofEpochMilli(pinnedUntilMillis);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadToken && Objects.equals(((ReadToken) o).lsn, lsn)
        && ((ReadToken) o).pinnedUntilMillis == pinnedUntilMillis;
  }

  @Override
  public int hashCode() {
    return Objects.hash(lsn, pinnedUntilMillis);
  }

  /** {@code lsn:16/B374D848} or {@code pin:1712345678901}; {@link #parse} reads it back. */
  @Override
  public String toString() {
    return lsn != null ? LSN_PREFIX + lsn : PIN_PREFIX + pinnedUntilMillis;
  }
}
