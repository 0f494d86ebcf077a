package io.hotset.postgres.internal.replica;

import io.hotset.postgres.Lsn;

/**
 * One successful check of a replica, with the lag derived from it.
 *
 * @param startedNanos ticker time the check was sent (a failure seen after it outranks it)
 * @param atNanos ticker time the check's answer arrived
 * @param replay {@code pg_last_wal_replay_lsn()}: what the replica's queries see
 * @param receive {@code pg_last_wal_receive_lsn()}, {@link Lsn#NONE} when not streaming
 * @param replayPaused {@code pg_is_wal_replay_paused()}
 * @param lagBytes WAL bytes the primary had written (at its last check) beyond {@code replay};
 *     -1 when no primary position is known yet
 * @param lagNanos age of the oldest write the replica had not replayed at {@code atNanos};
 *     0 when caught up, -1 when unknown
 * @param problem why the node must not serve reads although it answered (e.g. it is not in
 *     recovery: promoted, or not a standby), or null
 */
public record ReplicaSample(long startedNanos, long atNanos, Lsn replay, Lsn receive, boolean replayPaused, long lagBytes,
    long lagNanos, String problem) {}
