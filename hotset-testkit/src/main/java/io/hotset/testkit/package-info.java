/**
 * JUnit 5 extensions and helpers that start real servers (redis-server, PostgreSQL) as child processes on
 * free 127.0.0.1 ports, inject them into tests and stop them afterwards, even when tests fail.
 *
 * <p>Start with {@link io.hotset.testkit.WithRedis} / {@link io.hotset.testkit.WithPostgres}, or create
 * servers directly with {@link io.hotset.testkit.RedisServer#builder()} and
 * {@link io.hotset.testkit.PostgresServer#builder()} in try-with-resources.
 */
package io.hotset.testkit;
