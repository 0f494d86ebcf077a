/**
 * Implementation of {@link io.hotset.postgres.ReplicaRouter}: the lag monitor, the WAL history
 * that turns replay positions into time lag, and the pure routing policy. Not API.
 */
package io.hotset.postgres.internal.replica;
