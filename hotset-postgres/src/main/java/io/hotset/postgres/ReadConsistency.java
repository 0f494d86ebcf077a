package io.hotset.postgres;

import java.time.Instant;
import java.util.Objects;

/**
 * How fresh the source of one read must be, for {@link ReplicaRouter#readConnection} and
 * {@link ReplicaRouter#read}:
 * <ul>
 *   <li>{@link #any()}: a replica in rotation (lag within the router's {@code maxLag}), else the
 *       primary;
 *   <li>{@link #atLeast(Lsn)}: only a replica whose replay position, read on the very connection
 *       handed out, is at or past the LSN; else the primary. For read-your-writes and for cache
 *       fills after an invalidation (use the invalidated transaction's <em>end</em> LSN);
 *   <li>{@link #primary()}: the primary (strong reads);
 *   <li>{@link #pinnedUntil(Instant)}: the primary until the instant (by the router's ticker's
 *       wall clock), then like {@code any()}.
 * </ul>
 * Immutable; compare with {@code equals}.
 */
public final class ReadConsistency {
  /** The kind of rule. */
  public enum Kind { ANY, AT_LEAST, PRIMARY, PINNED }

  private static final ReadConsistency ANY = new ReadConsistency(Kind.ANY, Lsn.NONE, 0);
  private static final ReadConsistency PRIMARY = new ReadConsistency(Kind.PRIMARY, Lsn.NONE, 0);

  private final Kind kind;
  private final Lsn lsn;
  private final long pinnedUntilMillis;

  private ReadConsistency(Kind kind, Lsn lsn, long pinnedUntilMillis) {
    this.kind = kind;
    this.lsn = lsn;
    this.pinnedUntilMillis = pinnedUntilMillis;
  }

  /** Any healthy replica, else the primary. */
  public static ReadConsistency any() {
    return ANY;
  }

  /** A source that has replayed at least {@code lsn} ({@link Lsn#NONE} means {@link #any()}). */
  public static ReadConsistency atLeast(Lsn lsn) {
    Objects.requireNonNull(lsn, "lsn");
    return lsn.isNone() ? ANY : new ReadConsistency(Kind.AT_LEAST, lsn, 0);
  }

  /**
   * The rule for a cache fill that its region asked to read at or past {@code minPosition}
   * ({@link io.hotset.Loader#load(Object, long)}): {@link #any()} for
   * {@link io.hotset.Loader#ANY_POSITION}, {@link #primary()} for {@link io.hotset.Loader#NEWEST}
   * (a strong read), else {@code atLeast} that WAL position (the invalidated commit's end, as
   * change capture passes it).
   *
   * @throws IllegalArgumentException if {@code minPosition} is negative
   */
  public static ReadConsistency forFill(long minPosition) {
    if (minPosition < 0) {
      throw new IllegalArgumentException("minPosition must be >= 0, was " + minPosition);
    }
    if (minPosition == io.hotset.Loader.NEWEST) {
      return PRIMARY;
    }
    return minPosition == io.hotset.Loader.ANY_POSITION ? ANY : atLeast(Lsn.of(minPosition));
  }

  /** The primary. */
  public static ReadConsistency primary() {
    return PRIMARY;
  }

  /** The primary until {@code until}, then any healthy replica. */
  public static ReadConsistency pinnedUntil(Instant until) {
    return new ReadConsistency(Kind.PINNED, Lsn.NONE, Objects.requireNonNull(until, "until").toEpochMilli());
  }

  /**
   * The rule a client's token asks for: {@code atLeast(token.lsn())} or
   * {@code pinnedUntil(token.pinnedUntil())}. For an optional cookie:
   * {@code ReadToken.tryParse(cookie).map(ReadConsistency::of).orElse(ReadConsistency.any())}.
   */
  public static ReadConsistency of(ReadToken token) {
    Objects.requireNonNull(token, "token");
    return token.isPin() ? pinnedUntil(token.pinnedUntil()) : atLeast(token.lsn());
  }

  public Kind kind() {
    return kind;
  }

  /** The position required by {@link Kind#AT_LEAST}; {@link Lsn#NONE} for the other kinds. */
  public Lsn lsn() {
    return lsn;
  }

  /** The end of a {@link Kind#PINNED} pin in epoch milliseconds; 0 for the other kinds. */
  public long pinnedUntilMillis() {
    return pinnedUntilMillis;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadConsistency && ((ReadConsistency) o).kind == kind
        && ((ReadConsistency) o).lsn.equals(lsn) && ((ReadConsistency) o).pinnedUntilMillis == pinnedUntilMillis;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, lsn, pinnedUntilMillis);
  }

  @Override
  public String toString() {
    switch (kind) {
      case AT_LEAST:
        return "atLeast(" + lsn + ")";
      case PINNED:
        return "pinnedUntil(" + Instant.ofEpochMilli(pinnedUntilMillis) + ")";
      default:
        return kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
    }
  }
}
