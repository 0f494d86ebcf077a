/**
 * JUnit 5 extensions and helpers that start real servers (redis-server, PostgreSQL) as child processes on
 * free 127.0.0.1 ports, inject them into tests and stop them afterwards, even when tests fail.
 *
 * <p>Start with {@link io.hotset.testkit.WithRedis} / {@link io.hotset.testkit.WithPostgres}, or create
 * servers directly with {@link io.hotset.testkit.RedisServer#builder()} and
 * {@link io.hotset.testkit.PostgresServer#builder()} in try-with-resources. Groups of Redis servers:
 * {@link io.hotset.testkit.WithRedisCluster} / {@link io.hotset.testkit.RedisCluster} and
 * {@link io.hotset.testkit.WithRedisSentinel} / {@link io.hotset.testkit.RedisSentinelSetup}. A PostgreSQL primary
 * with streaming replicas: {@link io.hotset.testkit.WithPostgresReplicas} /
 * {@link io.hotset.testkit.PostgresReplicaSet}. TLS and ACL users:
 * {@link io.hotset.testkit.RedisServer.Builder#tls()}, {@link io.hotset.testkit.TlsMaterial},
 * {@link io.hotset.testkit.RedisServer.Builder#aclUser(String, String)}.
 */
package io.hotset.testkit;
