package io.hotset.catalog.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code catalog_db_queries_total{query}}: one increment per SQL statement the service sends
 * (a JDBC batch counts once per statement in it). Tests use it to prove a read did not reach
 * the database; operators to see the database load per purpose.
 */
public final class QueryCounter {
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  public QueryCounter(MeterRegistry registry) {
    this.registry = registry;
  }

  public void count(String query) {
    count(query, 1);
  }

  public void count(String query, long statements) {
    counters.computeIfAbsent(query, q -> Counter.builder("catalog.db.queries")
        .description("SQL statements sent by the catalog service, by purpose")
        .tag("query", q)
        .register(registry)).increment(statements);
  }
}
