package io.hotset.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts requests by {@code "<op> <outcome>"}: the HTTP status ({@code "read 200"}) or the
 * transport failure ({@code "read io:ConnectException"}). Thread-safe; {@link #snapshot()} and
 * {@link #minus} give the counts of an interval.
 */
final class Outcomes {
  static final String READ = "read";
  static final String WRITE = "write";
  static final String ADMIN = "admin";

  private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

  void status(String op, int status) {
    add(op + " " + status);
  }

  void failure(String op, Throwable t) {
    add(op + " io:" + t.getClass().getSimpleName());
  }

  private void add(String key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  TreeMap<String, Long> snapshot() {
    TreeMap<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  static TreeMap<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    TreeMap<String, Long> out = new TreeMap<>();
    after.forEach((k, v) -> {
      long d = v - before.getOrDefault(k, 0L);
      if (d != 0) {
        out.put(k, d);
      }
    });
    return out;
  }

  /** Requests of {@code op} (all outcomes); {@code op} null for every op. */
  static long count(Map<String, Long> counts, String op) {
    long n = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (op == null || e.getKey().startsWith(op + " ")) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** Transport failures, 5xx, and 4xx other than 404 (the expected answer for a missing id). */
  static boolean isError(String key) {
    String outcome = key.substring(key.indexOf(' ') + 1);
    if (outcome.startsWith("io:")) {
      return true;
    }
    int status = Integer.parseInt(outcome);
    return status >= 500 || (status >= 400 && status != 404) || status < 200;
  }

  static long errors(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> isError(e.getKey())).mapToLong(Map.Entry::getValue).sum();
  }

  static long notFound(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> e.getKey().endsWith(" 404")).mapToLong(Map.Entry::getValue).sum();
  }

  static long transportErrors(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> e.getKey().contains(" io:")).mapToLong(Map.Entry::getValue).sum();
  }
}
