package io.hotset.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Turns a JMH JSON result of a benchmark with one parameter naming the implementation (the raw
 * library as baseline vs hotset; {@code cache}, or else the first parameter) into a Markdown
 * table of ratios and allocation per operation, and a bar chart (PNG).
 *
 * <p>A result of throughput benchmarks only (e.g. {@code L1HitBenchmark}) gives one table of
 * ops/µs and throughput ratios. A result with {@code SampleTime} benchmarks (e.g.
 * {@code L2HitBenchmark}) gives a latency table (p50/p90/p99, the p50 and p99 ratios vs the
 * baseline, the p50 of each fork) and a throughput table in the benchmarks' own units, and a
 * chart with one panel each. When a SampleTime method runs on more than one thread (e.g.
 * {@code WriteLatencyBenchmark.write_4threads}) a table of the ops/s all threads together
 * completed follows (threads / mean latency).
 *
 * <p>The latency panel puts percentiles on the x axis with one bar per variant while there are at
 * most {@value #GROUPED_MAX_VARIANTS} variants and every method ran all of them (the L2 report);
 * otherwise (e.g. six write variants, of which only some run on four threads) it draws one panel
 * per method with the variants on the x axis and bars for p50/p90/p99. The latency axis turns
 * logarithmic when the values span more than {@value #LOG_AXIS_SPAN}x.
 *
 * <p>Usage: {@code JmhReport <result.json> <out-prefix> <baseline-param> <title>}
 */
public final class JmhReport {
  static final int GROUPED_MAX_VARIANTS = 3;
  static final double LOG_AXIS_SPAN = 30;
  private static final double[] PERCENTILES = {50, 90, 99};

  /**
   * One benchmark × parameter result.
   *
   * @param percentiles JMH's percentiles of the whole run (key: 50.0, 90.0, ...), empty unless SampleTime
   * @param forkP50 the median of each fork's samples (SampleTime only)
   * @param threads the benchmark's thread count
   */
  record Row(String method, String param, String mode, String unit, double score, double error,
      double allocPerOp, Map<Double, Double> percentiles, List<Double> forkP50, int threads) {

    boolean sampled() {
      return mode.equals("sample");
    }

    double percentile(double p) {
      return percentiles.getOrDefault(p, Double.NaN);
    }
  }

  /** The rendered report: Markdown and the chart. */
  record Report(String markdown, BufferedImage chart) {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: JmhReport <result.json> <out-prefix> <baseline-param> <title>");
      System.exit(2);
    }
    Path json = Path.of(args[0]);
    String prefix = args[1];
    List<Row> rows = parse(json);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no benchmark results in " + json);
    }
    Report report = render(rows, args[2], args[3]);
    Files.writeString(Path.of(prefix + ".md"), report.markdown());
    System.out.print(report.markdown());
    ImageIO.write(report.chart(), "png", Path.of(prefix + ".png").toFile());
    System.out.println("wrote " + prefix + ".md and " + prefix + ".png");
  }

  static Report render(List<Row> rows, String baseline, String title) {
    Map<String, Map<String, Row>> byMethod = byMethod(rows);
    boolean anySampled = rows.stream().anyMatch(Row::sampled);
    if (!anySampled) {
      return new Report(throughputTable(byMethod, baseline, true),
          BitmapEncoder.getBufferedImage(throughputChart(byMethod, title, "ops/µs (higher is better)", "benchmark")));
    }
    Map<String, Map<String, Row>> sampled = new LinkedHashMap<>();
    Map<String, Map<String, Row>> other = new LinkedHashMap<>();
    byMethod.forEach((m, v) -> (v.values().iterator().next().sampled() ? sampled : other).put(m, v));
    StringBuilder md = new StringBuilder();
    md.append(latencyTable(sampled, baseline));
    if (sampled.values().stream().flatMap(v -> v.values().stream()).anyMatch(r -> r.threads() > 1)) {
      md.append('\n').append(sampledThroughputTable(sampled, baseline));
    }
    List<BufferedImage> panels = new ArrayList<>();
    if (grouped(sampled)) {
      panels.add(BitmapEncoder.getBufferedImage(latencyChart(sampled, title)));
    } else {
      boolean first = true;
      for (Map.Entry<String, Map<String, Row>> e : sampled.entrySet()) {
        String panelTitle = first ? title + ": " + e.getKey() : e.getKey();
        panels.add(BitmapEncoder.getBufferedImage(latencyByVariantChart(e.getValue(), panelTitle)));
        first = false;
      }
    }
    if (!other.isEmpty()) {
      md.append('\n').append(throughputTable(other, baseline, false));
      String unit = other.values().iterator().next().values().iterator().next().unit();
      panels.add(BitmapEncoder.getBufferedImage(throughputChart(other, "throughput: " + String.join(", ",
          other.keySet()), unit + " (higher is better)", "benchmark")));
    }
    return new Report(md.toString(), sideBySide(panels));
  }

  static Map<String, Map<String, Row>> byMethod(List<Row> rows) {
    Map<String, Map<String, Row>> byMethod = new LinkedHashMap<>();
    for (Row r : rows) {
      byMethod.computeIfAbsent(r.method(), m -> new LinkedHashMap<>()).put(r.param(), r);
    }
    return byMethod;
  }

  /**
   * Throughput and its ratio to the baseline; {@code legacy} keeps the original ops/µs header
   * of the L1 report, otherwise the column is in each row's own unit.
   */
  static String throughputTable(Map<String, Map<String, Row>> byMethod, String baseline, boolean legacy) {
    StringBuilder md = new StringBuilder();
    String unit = legacy ? "ops/µs" : byMethod.values().iterator().next().values().iterator().next().unit();
    md.append("| benchmark | variant | ").append(unit).append(" (± 99.9% CI) | ratio vs ").append(baseline)
        .append(" | allocation B/op |\n|---|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Row>> e : byMethod.entrySet()) {
      Row base = e.getValue().get(baseline);
      for (Row r : e.getValue().values()) {
        String ratio = base == null ? "n/a" : String.format(Locale.ROOT, "**%.2f**", r.score() / base.score());
        md.append(String.format(Locale.ROOT, legacy ? "| %s | %s | %.2f ± %.2f | %s | %.3f |%n"
            : "| %s | %s | %.2f ± %.2f | %s | %.0f |%n", e.getKey(), r.param(), r.score(), r.error(), ratio,
            r.allocPerOp()));
      }
    }
    return md.toString();
  }

  /** Percentiles of SampleTime benchmarks and their ratios to the baseline (lower is better). */
  static String latencyTable(Map<String, Map<String, Row>> byMethod, String baseline) {
    StringBuilder md = new StringBuilder();
    String unit = byMethod.values().iterator().next().values().iterator().next().unit().replace("/op", "");
    unit = unit.equals("us") ? "µs" : unit;
    md.append("| benchmark | variant | p50 ").append(unit).append(" | p90 ").append(unit).append(" | p99 ")
        .append(unit).append(" | mean ").append(unit).append(" (± 99.9% CI) | p50 ratio vs ").append(baseline)
        .append(" | p99 ratio vs ").append(baseline)
        .append(" | p50 per fork | allocation B/op |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Row>> e : byMethod.entrySet()) {
      Row base = e.getValue().get(baseline);
      for (Row r : e.getValue().values()) {
        StringJoiner forks = new StringJoiner(" / ");
        r.forkP50().forEach(p -> forks.add(String.format(Locale.ROOT, "%.1f", p)));
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f ± %.1f | %s | %s | %s | %.0f |%n",
            e.getKey(), r.param(), r.percentile(50), r.percentile(90), r.percentile(99), r.score(), r.error(),
            ratio(r, base, 50), ratio(r, base, 99), forks, r.allocPerOp()));
      }
    }
    return md.toString();
  }

  private static String ratio(Row r, Row base, double p) {
    return base == null ? "n/a" : ratio(r.percentile(p) / base.percentile(p));
  }

  /** Two decimals; three below 0.1, so a ratio of a few thousandths does not print as 0.00. */
  static String ratio(double ratio) {
    return String.format(Locale.ROOT, ratio < 0.1 ? "**%.3f**" : "**%.2f**", ratio);
  }

  /**
   * What all threads of a SampleTime benchmark completed per second (threads / mean latency),
   * and its ratio to the baseline of the same method (higher is better).
   */
  static String sampledThroughputTable(Map<String, Map<String, Row>> byMethod, String baseline) {
    StringBuilder md = new StringBuilder();
    md.append("| benchmark | variant | threads | ops/s (threads / mean) | ratio vs ").append(baseline)
        .append(" |\n|---|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Row>> e : byMethod.entrySet()) {
      Row base = e.getValue().get(baseline);
      for (Row r : e.getValue().values()) {
        double opsPerSecond = opsPerSecond(r);
        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %s |%n", e.getKey(), r.param(), r.threads(),
            opsPerSecond, base == null ? "n/a" : ratio(opsPerSecond / opsPerSecond(base))));
      }
    }
    return md.toString();
  }

  private static double opsPerSecond(Row r) {
    double seconds = switch (r.unit()) {
      case "s/op" -> 1;
      case "ms/op" -> 1e-3;
      case "us/op" -> 1e-6;
      case "ns/op" -> 1e-9;
      default -> Double.NaN;
    };
    return r.threads() / (r.score() * seconds);
  }

  /** Whether the percentile-grouped latency panel fits: few variants, and every method ran all. */
  static boolean grouped(Map<String, Map<String, Row>> byMethod) {
    java.util.Set<String> variants = new java.util.LinkedHashSet<>();
    byMethod.values().forEach(v -> variants.addAll(v.keySet()));
    return variants.size() <= GROUPED_MAX_VARIANTS
        && byMethod.values().stream().allMatch(v -> v.size() == variants.size());
  }

  private static CategoryChart throughputChart(Map<String, Map<String, Row>> byMethod, String title,
      String yTitle, String xTitle) {
    CategoryChart chart = chart(title, xTitle, yTitle);
    Map<String, List<Double>> series = new LinkedHashMap<>();
    List<String> methods = new ArrayList<>(byMethod.keySet());
    for (String m : methods) {
      for (Row r : byMethod.get(m).values()) {
        series.computeIfAbsent(r.param(), p -> new ArrayList<>()).add(r.score());
      }
    }
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      if (s.getValue().size() == methods.size()) {
        chart.addSeries(s.getKey(), methods, s.getValue());
      }
    }
    return chart;
  }

  private static CategoryChart latencyChart(Map<String, Map<String, Row>> byMethod, String title) {
    String unit = byMethod.values().iterator().next().values().iterator().next().unit();
    CategoryChart chart = chart(title, "percentile", unit.replace("us/", "µs/") + " (lower is better)");
    chart.getStyler().setDecimalPattern("#0.0");
    Map<String, List<Double>> series = new LinkedHashMap<>();
    List<String> categories = new ArrayList<>();
    for (Map.Entry<String, Map<String, Row>> e : byMethod.entrySet()) {
      String prefix = byMethod.size() == 1 ? "" : e.getKey() + " ";
      for (double p : PERCENTILES) {
        categories.add(prefix + "p" + (int) p);
        for (Row r : e.getValue().values()) {
          series.computeIfAbsent(r.param(), x -> new ArrayList<>()).add(r.percentile(p));
        }
      }
    }
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      if (s.getValue().size() == categories.size()) {
        chart.addSeries(s.getKey(), categories, s.getValue());
      }
    }
    return chart;
  }

  /** One method: the variants on the x axis, a bar per percentile. */
  private static CategoryChart latencyByVariantChart(Map<String, Row> variants, String title) {
    String unit = variants.values().iterator().next().unit();
    CategoryChart chart = new CategoryChartBuilder().width(240 + 110 * variants.size()).height(450).title(title)
        .xAxisTitle("variant").yAxisTitle(unit.replace("us/", "µs/") + " (lower is better)").build();
    style(chart);
    chart.getStyler().setDecimalPattern("#0.0");
    chart.getStyler().setXAxisLabelRotation(20);
    List<String> categories = new ArrayList<>(variants.keySet());
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double p : PERCENTILES) {
      List<Double> values = new ArrayList<>();
      for (Row r : variants.values()) {
        double v = r.percentile(p);
        values.add(v);
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      chart.addSeries("p" + (int) p, categories, values);
    }
    if (min > 0 && max / min > LOG_AXIS_SPAN) {
      chart.getStyler().setYAxisLogarithmic(true);
      // bars grow from the axis minimum, which must be positive on a log axis
      chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
      chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
      chart.setYAxisTitle(chart.getYAxisTitle() + ", log scale");
    }
    return chart;
  }

  private static CategoryChart chart(String title, String xTitle, String yTitle) {
    CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart);
    return chart;
  }

  private static void style(CategoryChart chart) {
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendVisible(true);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#0.00");
    chart.getStyler().setLabelsFont(chart.getStyler().getLabelsFont().deriveFont(11f));
  }

  private static BufferedImage sideBySide(List<BufferedImage> panels) {
    int width = panels.stream().mapToInt(BufferedImage::getWidth).sum();
    int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int x = 0;
      for (BufferedImage p : panels) {
        g.drawImage(p, x, 0, null);
        x += p.getWidth();
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  static List<Row> parse(Path json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    List<Row> rows = new ArrayList<>();
    for (JsonNode b : root) {
      String benchmark = b.path("benchmark").asText();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      JsonNode params = b.path("params");
      String param = params.has("cache") ? params.path("cache").asText("") : firstParam(params);
      JsonNode primary = b.path("primaryMetric");
      double alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
      String mode = b.path("mode").asText("");
      int threads = b.path("threads").asInt(1);
      Map<Double, Double> percentiles = new TreeMap<>();
      List<Double> forkP50 = new ArrayList<>();
      if (mode.equals("sample")) {
        for (Map.Entry<String, JsonNode> p : primary.path("scorePercentiles").properties()) {
          percentiles.put(Double.parseDouble(p.getKey()), p.getValue().asDouble());
        }
        for (JsonNode fork : primary.path("rawDataHistogram")) {
          forkP50.add(median(fork));
        }
      }
      rows.add(new Row(method, param, mode, primary.path("scoreUnit").asText(""), primary.path("score").asDouble(),
          primary.path("scoreError").asDouble(), alloc, percentiles, forkP50, threads));
    }
    return rows;
  }

  private static String firstParam(JsonNode params) {
    Iterator<JsonNode> values = params.elements();
    return values.hasNext() ? values.next().asText("") : "";
  }

  /**
   * The median of one fork's SampleTime histogram: its iterations' {@code [value, count]} pairs
   * merged (nearest rank).
   */
  static double median(JsonNode fork) {
    TreeMap<Double, Long> merged = new TreeMap<>();
    long total = 0;
    for (JsonNode iteration : fork) {
      for (JsonNode bucket : iteration) {
        long count = bucket.path(1).asLong();
        merged.merge(bucket.path(0).asDouble(), count, Long::sum);
        total += count;
      }
    }
    long rank = (total + 1) / 2;
    long seen = 0;
    for (Map.Entry<Double, Long> e : merged.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) {
        return e.getKey();
      }
    }
    return Double.NaN;
  }
}
