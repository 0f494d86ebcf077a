/**
 * hotset on PostgreSQL: invalidation from the write-ahead log ({@link io.hotset.postgres.ChangeCapture}),
 * read-replica routing with read-your-writes, and view maintenance.
 */
package io.hotset.postgres;
