package io.hotset.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Turns a JMH JSON result of a benchmark with a {@code cache} parameter (the raw library as
 * baseline vs hotset) into a Markdown table of throughput ratios and allocation per operation,
 * and a bar chart (PNG).
 *
 * <p>Usage: {@code JmhReport <result.json> <out-prefix> <baseline-param> <title>}
 */
public final class JmhReport {

  record Row(String method, String param, double score, double error, double allocPerOp) {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: JmhReport <result.json> <out-prefix> <baseline-param> <title>");
      System.exit(2);
    }
    Path json = Path.of(args[0]);
    String prefix = args[1];
    String baseline = args[2];
    String title = args[3];
    List<Row> rows = parse(json);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no benchmark results in " + json);
    }
    Map<String, Map<String, Row>> byMethod = new LinkedHashMap<>();
    for (Row r : rows) {
      byMethod.computeIfAbsent(r.method(), m -> new LinkedHashMap<>()).put(r.param(), r);
    }
    StringBuilder md = new StringBuilder();
    md.append("| benchmark | variant | ops/µs (± 99.9% CI) | ratio vs ").append(baseline)
        .append(" | allocation B/op |\n|---|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Row>> e : byMethod.entrySet()) {
      Row base = e.getValue().get(baseline);
      for (Row r : e.getValue().values()) {
        String ratio = base == null ? "n/a" : String.format(Locale.ROOT, "**%.2f**", r.score() / base.score());
        md.append(String.format(Locale.ROOT, "| %s | %s | %.2f ± %.2f | %s | %.3f |%n",
            e.getKey(), r.param(), r.score(), r.error(), ratio, r.allocPerOp()));
      }
    }
    Files.writeString(Path.of(prefix + ".md"), md.toString());
    System.out.print(md);

    CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(title)
        .xAxisTitle("benchmark").yAxisTitle("ops/µs (higher is better)").build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendVisible(true);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#0.00");
    chart.getStyler().setLabelsFont(chart.getStyler().getLabelsFont().deriveFont(11f));
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
    BitmapEncoder.saveBitmap(chart, prefix + ".png", BitmapEncoder.BitmapFormat.PNG);
    System.out.println("wrote " + prefix + ".md and " + prefix + ".png");
  }

  static List<Row> parse(Path json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    List<Row> rows = new ArrayList<>();
    for (JsonNode b : root) {
      String benchmark = b.path("benchmark").asText();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      String param = b.path("params").path("cache").asText("");
      JsonNode primary = b.path("primaryMetric");
      double alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
      rows.add(new Row(method, param, primary.path("score").asDouble(), primary.path("scoreError").asDouble(), alloc));
    }
    return rows;
  }
}
