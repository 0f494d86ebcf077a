package io.hotset.postgres.internal.replica;

import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which node serves a read: a pure function of the replicas' last checks, the read's
 * {@link ReadConsistency} and the time, so that every rule is tested without a database.
 *
 * <p>A replica is in rotation when its last check answered, nothing failed on it since (a check
 * or a routed connection), it is a standby, and its lag, counted up to now, is within
 * {@code maxLag} (and {@code maxLagBytes}). "Counted up to now" is the measured lag plus the age
 * of the measurement: a replica whose checks stop answering leaves rotation once nothing vouches
 * for it any more, and a paused replica leaves at the moment its lag passes the bound rather than
 * at the next check after that.
 *
 * <p>{@code any()} reads go round-robin over the replicas in rotation. {@code atLeast(lsn)} reads
 * go round-robin over those whose last check already showed {@code lsn} replayed; if none did,
 * to the one furthest ahead, optimistically, since it has probably replayed the write by now:
 * either way the router reads the replay position on the connection it hands out and falls back
 * to the primary when it is short. Pins send reads to the primary until they end; a pin reaching
 * further ahead than {@code maxPin} cannot have come from this router and is ignored.
 */
public final class RoutingPolicy {
  /** {@link ReplicaView#failedAtNanos()} of a replica that never failed. */
  public static final long NEVER = Long.MIN_VALUE;

  /** What the router knows about one replica. */
  public record ReplicaView(String name, ReplicaSample sample, long failedAtNanos, String error) {}

  /** Whether a replica may serve {@code any()} reads, and why. */
  public record Verdict(boolean inRotation, String reason) {}

  /**
   * Where to read from.
   *
   * @param candidates indexes of replicas to try in this order; empty: the primary
   * @param verifyAtLeast the replay position to confirm on a replica's connection before using
   *     it, or {@link Lsn#NONE}
   * @param reason why, for logs and {@code routeFor}
   */
  public record Decision(List<Integer> candidates, Lsn verifyAtLeast, String reason) {
    public boolean primary() {
      return candidates.isEmpty();
    }
  }

  private static final Verdict IN = new Verdict(true, "in rotation");

  private final long maxLagNanos;
  private final long maxLagBytes;
  private final long maxPinMillis;

  /**
   * @param maxLagNanos the lag beyond which a replica leaves rotation
   * @param maxLagBytes the same in WAL bytes, or {@code Long.MAX_VALUE} for no byte bound
   * @param maxPinMillis the longest pin this router hands out may reach ahead, with slack
   */
  public RoutingPolicy(long maxLagNanos, long maxLagBytes, long maxPinMillis) {
    this.maxLagNanos = maxLagNanos;
    this.maxLagBytes = maxLagBytes;
    this.maxPinMillis = maxPinMillis;
  }

  /** Whether {@code replica} is in rotation at {@code nowNanos}. */
  public Verdict verdict(ReplicaView replica, long nowNanos) {
    ReplicaSample s = replica.sample();
    if (s == null) {
      return new Verdict(false, replica.error() != null ? "unreachable: " + replica.error() : "not checked yet");
    }
    if (replica.failedAtNanos() != NEVER && replica.failedAtNanos() - s.startedNanos() >= 0) {
      return new Verdict(false, "unreachable: " + replica.error());
    }
    if (s.problem() != null) {
      return new Verdict(false, s.problem());
    }
    if (s.lagNanos() < 0) {
      return new Verdict(false, "lag unknown (replay " + s.replay() + " is older than the WAL history)");
    }
    long age = Math.max(0, nowNanos - s.atNanos());
    long lag = s.lagNanos() > Long.MAX_VALUE - age ? Long.MAX_VALUE : s.lagNanos() + age;
    if (lag > maxLagNanos) {
      return new Verdict(false, "lag " + millis(lag) + " (" + millis(s.lagNanos()) + " at the last check, "
          + millis(age) + " ago) > maxLag " + millis(maxLagNanos));
    }
    if (s.lagBytes() > maxLagBytes) {
      return new Verdict(false, "lag " + s.lagBytes() + " bytes > maxLagBytes " + maxLagBytes);
    }
    return IN;
  }

  /**
   * Where a read with {@code consistency} goes.
   *
   * @param turn a counter advanced per read, for round-robin
   */
  public Decision decide(ReadConsistency consistency, List<ReplicaView> replicas, long nowNanos, long wallMillis,
      int turn) {
    Objects.requireNonNull(consistency, "consistency");
    switch (consistency.kind()) {
      case PRIMARY:
        return primary("primary requested");
      case PINNED:
        long remaining = consistency.pinnedUntilMillis() - wallMillis;
        if (remaining > 0 && remaining <= maxPinMillis) {
          return primary("pinned to the primary for another " + remaining + " ms");
        }
        break;
      default:
        break;
    }
    List<Integer> healthy = new ArrayList<>(replicas.size());
    for (int i = 0; i < replicas.size(); i++) {
      if (verdict(replicas.get(i), nowNanos).inRotation()) {
        healthy.add(i);
      }
    }
    if (healthy.isEmpty()) {
      return primary("no replica in rotation");
    }
    List<Integer> rotated = new ArrayList<>(healthy.size());
    int start = Math.floorMod(turn, healthy.size());
    for (int i = 0; i < healthy.size(); i++) {
      rotated.add(healthy.get((start + i) % healthy.size()));
    }
    if (consistency.kind() != ReadConsistency.Kind.AT_LEAST) {
      return new Decision(rotated, Lsn.NONE, "round robin over " + healthy.size() + " replica(s) in rotation");
    }
    Lsn needed = consistency.lsn();
    List<Integer> caughtUp = new ArrayList<>(rotated.size());
    int furthest = rotated.get(0);
    for (int i : rotated) {
      Lsn replay = replicas.get(i).sample().replay();
      if (replay.isAtLeast(needed)) {
        caughtUp.add(i);
      }
      if (replay.compareTo(replicas.get(furthest).sample().replay()) > 0) {
        furthest = i;
      }
    }
    if (!caughtUp.isEmpty()) {
      return new Decision(caughtUp, needed, "replayed past " + needed + " at the last check");
    }
    return new Decision(List.of(furthest), needed, "last check saw replay "
        + replicas.get(furthest).sample().replay() + " < " + needed + "; trying it, verified on the connection");
  }

  private static Decision primary(String reason) {
    return new Decision(List.of(), Lsn.NONE, reason);
  }

  private static String millis(long nanos) {
    return nanos == Long.MAX_VALUE ? "unbounded" : (nanos / 1_000_000) + " ms";
  }
}
