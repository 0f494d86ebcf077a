package io.hotset.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text forms of a result: the summary table printed at the end of a run, and the comparison
 * of a run against a baseline run (ratios, as CONVENTIONS asks: never lone times).
 */
public final class LoadReport {
  private LoadReport() {}

  /** The summary of one run. */
  public static String text(LoadResult r) {
    StringBuilder s = new StringBuilder();
    Map<String, Object> c = r.config();
    s.append(String.format(Locale.ROOT, "%nhotset-load %s: %.1f s measured, %s workers, %s over %,d ids, %s writes%n",
        r.scenario(), r.seconds(), c.get("concurrency"), keys(c), ((Number) c.get("products")).longValue(),
        pct(((Number) c.get("writeRatio")).doubleValue())));
    s.append("  targets ").append(c.get("targets")).append('\n');
    if (r.prewarm() != null) {
      s.append(String.format(Locale.ROOT, "prewarm    %,d ids in %.1f s (%,d errors, %,d tried again, %,d not warmed)%n",
          r.prewarm().keys(), r.prewarm().seconds(), r.prewarm().errors(), r.prewarm().retried(),
          r.prewarm().notWarmed()));
    }
    if (r.warmup() != null) {
      s.append(String.format(Locale.ROOT, "warm-up    %.1f s, %,d requests (not counted below)%n",
          r.warmup().seconds(), r.warmup().requests()));
    }
    LoadResult.Totals t = r.totals();
    s.append(String.format(Locale.ROOT, "requests   %,d (%,.0f req/s): reads %,d (%,.0f/s), writes %,d, admin %,d%n",
        t.requests(), t.throughput(), t.reads(), t.readThroughput(), t.writes(), t.admin()));
    s.append(String.format(Locale.ROOT, "errors     %,d (transport %,d); 404 %,d; without error %,.0f req/s%n",
        t.errors(), t.transportErrors(), t.notFound(), t.okThroughput()));
    s.append(String.format(Locale.ROOT, "%-10s %10s %9s %9s %9s %9s %9s %9s%n", "latency ms", "count", "mean", "p50",
        "p95", "p99", "p99.9", "max"));
    r.latencyMs().forEach((op, l) -> s.append(String.format(Locale.ROOT, "  %-8s %,10d %9s %9s %9s %9s %9s %9s%n", op,
        l.count(), ms(l.meanMs()), ms(l.p50Ms()), ms(l.p95Ms()), ms(l.p99Ms()), ms(l.p999Ms()), ms(l.maxMs()))));
    s.append("outcomes   ").append(r.outcomes()).append('\n');
    if (r.edge() != null) {
      LoadResult.Edge e = r.edge();
      s.append(String.format(Locale.ROOT, "edge       hit ratio %s (X-Cache HIT %,d, MISS %,d, PASS %,d, other %,d)%n",
          ratio(e.hitRatio()), e.hit(), e.miss(), e.pass(), e.other()));
    }
    service(s, r.service());
    if (r.phases().size() > 1) {
      s.append(String.format(Locale.ROOT, "%-18s %15s %10s %8s %10s %12s %10s%n", "phase", "seconds", "req/s",
          "errors", "read p99", "db prod q/s", "L1 hit"));
      for (LoadResult.Phase p : r.phases()) {
        LoadResult.Service ps = p.service();
        s.append(String.format(Locale.ROOT, "  %-16s %6.1f - %6.1f %10.0f %8d %10s %12s %10s%n", p.name(),
            p.startSeconds(), p.endSeconds(), p.throughput(), p.errors(), ms(p.read().p99Ms()),
            num(ps.dbProductQueriesPerSecond()), ps.l1() == null ? "n/a" : ratio(ps.l1().hitRatio())));
      }
    }
    for (LoadResult.HookRun h : r.hooks()) {
      s.append(String.format(Locale.ROOT, "hook       at %.1f s, started %.2f s, exit %s: %s%n", h.atSeconds(),
          h.startedSeconds(), h.exitCode() == null ? "killed" : h.exitCode(), h.command()));
    }
    if (r.findings().values().stream().anyMatch(v -> !(v instanceof Map))) {
      s.append("findings\n");
      r.findings().forEach((k, v) -> {
        if (!(v instanceof Map)) {
          s.append(String.format(Locale.ROOT, "  %-32s %s%n", k, value(v)));
        }
      });
    }
    return s.toString();
  }

  private static void service(StringBuilder s, LoadResult.Service v) {
    if (v.l1() == null && v.dbProductQueries() == null) {
      s.append("service    no /metrics figures").append(v.scrapeErrors().isEmpty() ? "" : " " + v.scrapeErrors())
          .append('\n');
      return;
    }
    if (v.l1() != null) {
      tier(s, "L1", v.l1());
      tier(s, "L2", v.l2());
    }
    if (v.dbProductQueries() != null) {
      s.append(String.format(Locale.ROOT, "database   product queries %,d (%s/s), all queries %,d (%s/s); "
          + "share of reads reaching it %s%n", v.dbProductQueries(), num(v.dbProductQueriesPerSecond()),
          v.dbQueries(), num(v.dbQueriesPerSecond()), ratio(v.dbShareOfReads())));
    }
    if (!v.complete()) {
      s.append("           (partial: ").append(v.scrapeErrors()).append(")\n");
    }
  }

  private static void tier(StringBuilder s, String name, LoadResult.Tier t) {
    s.append(String.format(Locale.ROOT, "%-10s hit ratio %s (hit %,d, stale %,d, negative %,d, miss %,d)%n", name,
        ratio(t.hitRatio()), t.hit(), t.stale(), t.negative(), t.miss()));
  }

  private static String keys(Map<String, Object> c) {
    Object keys = c.get("keys");
    return "zipf".equals(keys) ? "zipf(" + c.get("alpha") + ")" : String.valueOf(keys);
  }

  private static String value(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.4f", d);
    }
    return String.valueOf(v);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f%%", v * 100);
  }

  static String ms(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String ratio(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String num(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
  }

  // ---------------------------------------------------------------- comparison

  /**
   * One compared figure.
   *
   * @param ratio run / baseline, null when either is missing or the baseline is 0
   * @param higherIsBetter how to read the ratio
   */
  public record Row(String name, Double baseline, Double run, Double ratio, boolean higherIsBetter) {}

  /** A run set against a baseline run. */
  public record Comparison(String baselineName, String runName, List<Row> rows) {

    /** The row called {@code name}. */
    public Row row(String name) {
      return rows.stream().filter(r -> r.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no row " + name));
    }
  }

  /** Compares two JSON results (of any scenario; figures one of them lacks compare as n/a). */
  public static Comparison compare(JsonNode baseline, JsonNode run) {
    List<Row> rows = new ArrayList<>();
    add(rows, "throughput req/s", baseline, run, true, "totals", "throughput");
    add(rows, "ok throughput req/s", baseline, run, true, "totals", "okThroughput");
    add(rows, "read throughput req/s", baseline, run, true, "totals", "readThroughput");
    add(rows, "read p50 ms", baseline, run, false, "latencyMs", "read", "p50Ms");
    add(rows, "read p95 ms", baseline, run, false, "latencyMs", "read", "p95Ms");
    add(rows, "read p99 ms", baseline, run, false, "latencyMs", "read", "p99Ms");
    add(rows, "read p99.9 ms", baseline, run, false, "latencyMs", "read", "p999Ms");
    add(rows, "write p99 ms", baseline, run, false, "latencyMs", "write", "p99Ms");
    add(rows, "error rate", errorRate(baseline), errorRate(run), false);
    add(rows, "db share of reads", baseline, run, false, "totals", "dbShareOfReads");
    add(rows, "db product queries/s", baseline, run, false, "service", "dbProductQueriesPerSecond");
    add(rows, "db queries/s", baseline, run, false, "service", "dbQueriesPerSecond");
    add(rows, "L1 hit ratio", baseline, run, true, "service", "l1", "hitRatio");
    add(rows, "L2 hit ratio", baseline, run, true, "service", "l2", "hitRatio");
    add(rows, "edge hit ratio", baseline, run, true, "edge", "hitRatio");
    return new Comparison(name(baseline), name(run), rows);
  }

  private static String name(JsonNode n) {
    return n.path("scenario").asText("?") + " @ " + n.path("startedAt").asText("?");
  }

  private static Double errorRate(JsonNode n) {
    JsonNode t = n.path("totals");
    return t.isMissingNode() ? null : Ratios.ratio(t.path("errors").asDouble(), t.path("requests").asDouble());
  }

  private static void add(List<Row> rows, String name, JsonNode baseline, JsonNode run, boolean higherIsBetter,
      String... path) {
    add(rows, name, number(baseline, path), number(run, path), higherIsBetter);
  }

  private static void add(List<Row> rows, String name, Double b, Double r, boolean higherIsBetter) {
    if (b == null && r == null) {
      return;
    }
    rows.add(new Row(name, b, r, b == null || r == null ? null : Ratios.ratio(r, b), higherIsBetter));
  }

  private static Double number(JsonNode n, String... path) {
    JsonNode v = n;
    for (String p : path) {
      v = v.path(p);
    }
    return v.isNumber() ? v.asDouble() : null;
  }

  /** The comparison as a table: baseline, this run, and run / baseline. */
  public static String text(Comparison c) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%ncompare: run %s vs baseline %s%n", c.runName(), c.baselineName()));
    s.append(String.format(Locale.ROOT, "%-24s %14s %14s %12s%n", "figure", "baseline", "run", "run/baseline"));
    for (Row r : c.rows()) {
      s.append(String.format(Locale.ROOT, "%-24s %14s %14s %12s  %s%n", r.name(), compact(r.baseline()),
          compact(r.run()), r.ratio() == null ? "n/a" : String.format(Locale.ROOT, "%.3fx", r.ratio()),
          r.higherIsBetter() ? "(higher is better)" : "(lower is better)"));
    }
    return s.toString();
  }

  private static String compact(Double v) {
    if (v == null) {
      return "n/a";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.4f", v);
  }
}
