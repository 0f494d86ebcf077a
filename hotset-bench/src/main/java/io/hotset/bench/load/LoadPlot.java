package io.hotset.bench.load;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * The PNG plots (XChart, as {@code JmhReport}): for a run, latency percentiles, hit ratios, and
 * the per-second timeline (throughput and errors, read p99, database queries, hit ratios) with
 * the hooks as vertical lines; for a comparison, bars of both runs side by side.
 */
public final class LoadPlot {
  private static final int W = 640;
  private static final int H = 360;

  private LoadPlot() {}

  /** Writes the plot of one run. */
  public static void write(LoadResult r, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Chart<?, ?>> panels = new ArrayList<>();
    panels.add(latency(r));
    panels.add(hitRatios(r));
    List<LoadResult.Bucket> measured = r.timeline().stream().filter(b -> b.t() > 0).toList();
    List<Double> hookTimes = r.hooks().stream().map(LoadResult.HookRun::startedSeconds).toList();
    XYChart rate = timeChart("throughput per second" + (r.phases().size() > 1 ? " (lines: hooks)" : ""), "req/s");
    addLine(rate, "req/s", measured, b -> b.throughput());
    addLine(rate, "errors/s", measured, b -> b.errors() / b.seconds());
    panels.add(marked(rate, hookTimes));
    XYChart p99 = timeChart("read latency per second", "ms");
    addLine(p99, "read p50", measured, LoadResult.Bucket::readP50Ms);
    addLine(p99, "read p99", measured, LoadResult.Bucket::readP99Ms);
    addLine(p99, "write p99", measured, LoadResult.Bucket::writeP99Ms);
    panels.add(marked(p99, hookTimes));
    XYChart db = timeChart("database queries per second (from /metrics)", "queries/s");
    addLine(db, "product", measured, LoadResult.Bucket::dbProductQueriesPerSecond);
    addLine(db, "all", measured, b -> b.dbQueries() == null ? null : b.dbQueries() / b.seconds());
    panels.add(marked(db, hookTimes));
    XYChart ratios = timeChart("hit ratios per second", "ratio");
    ratios.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    addLine(ratios, "served without DB", measured, LoadResult.Bucket::cacheHitRatio);
    addLine(ratios, "L1", measured, LoadResult.Bucket::l1HitRatio);
    addLine(ratios, "L2", measured, LoadResult.Bucket::l2HitRatio);
    addLine(ratios, "edge", measured, LoadResult.Bucket::edgeHitRatio);
    panels.add(marked(ratios, hookTimes));
    writeGrid(panels, 2, png);
  }

  /** Writes the bar charts of a comparison: latency, throughput, and ratios of both runs. */
  public static void write(LoadReport.Comparison c, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Chart<?, ?>> panels = new ArrayList<>();
    panels.add(bars(c, "read latency (lower is better)", "ms",
        List.of("read p50 ms", "read p95 ms", "read p99 ms", "read p99.9 ms")));
    panels.add(bars(c, "throughput (higher is better)", "req/s", List.of("throughput req/s", "ok throughput req/s", "read throughput req/s")));
    panels.add(bars(c, "ratios", "ratio",
        List.of("db share of reads", "L1 hit ratio", "L2 hit ratio", "edge hit ratio", "error rate")));
    writeGrid(panels, 3, png);
  }

  private static CategoryChart latency(LoadResult r) {
    CategoryChart chart = category(r.scenario() + ": latency percentiles", "ms (lower is better)");
    List<String> cats = List.of("p50", "p95", "p99", "p99.9");
    boolean any = false;
    for (Map.Entry<String, LoadResult.Latency> e : r.latencyMs().entrySet()) {
      LoadResult.Latency l = e.getValue();
      if (l.count() == 0) {
        continue;
      }
      chart.addSeries(e.getKey(), cats, List.of(l.p50Ms(), l.p95Ms(), l.p99Ms(), l.p999Ms()));
      any = true;
    }
    if (!any) {
      chart.addSeries("no responses", cats, List.of(0, 0, 0, 0));
    }
    return chart;
  }

  private static CategoryChart hitRatios(LoadResult r) {
    CategoryChart chart = category("hit ratios over the measurement", "ratio (higher is better)");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("edge", r.edge() == null ? null : r.edge().hitRatio());
    values.put("L1", r.service().l1() == null ? null : r.service().l1().hitRatio());
    values.put("L2", r.service().l2() == null ? null : r.service().l2().hitRatio());
    Double share = r.totals().dbShareOfReads();
    values.put("served w/o DB", share == null ? null : Math.max(0, 1 - share));
    values.values().removeIf(v -> v == null);
    if (values.isEmpty()) {
      values.put("no data", 0.0);
    }
    chart.addSeries("hit ratio", new ArrayList<>(values.keySet()), new ArrayList<>(values.values()));
    return chart;
  }

  private static CategoryChart bars(LoadReport.Comparison c, String title, String yTitle, List<String> names) {
    CategoryChart chart = category(title, yTitle);
    List<String> cats = new ArrayList<>();
    List<Double> base = new ArrayList<>();
    List<Double> run = new ArrayList<>();
    for (LoadReport.Row row : c.rows()) {
      if (names.contains(row.name())) {
        cats.add(row.name().replace(" ms", "").replace(" req/s", ""));
        base.add(row.baseline() == null ? 0.0 : row.baseline());
        run.add(row.run() == null ? 0.0 : row.run());
      }
    }
    if (cats.isEmpty()) {
      cats.add("no data");
      base.add(0.0);
      run.add(0.0);
    }
    chart.addSeries("baseline", cats, base);
    chart.addSeries("run", cats, run);
    return chart;
  }

  private static CategoryChart category(String title, String yTitle) {
    CategoryChart chart = new CategoryChartBuilder().width(W).height(H).title(title).yAxisTitle(yTitle).build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#0.###");
    chart.getStyler().setXAxisLabelRotation(10);
    return chart;
  }

  private static XYChart timeChart(String title, String yTitle) {
    XYChart chart = new XYChartBuilder().width(W).height(H).title(title).xAxisTitle("seconds since start")
        .yAxisTitle(yTitle).build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(3);
    chart.getStyler().setDecimalPattern("#0.##");
    return chart;
  }

  private static void addLine(XYChart chart, String name, List<LoadResult.Bucket> buckets,
      Function<LoadResult.Bucket, Double> y) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (LoadResult.Bucket b : buckets) {
      Double v = y.apply(b);
      if (v != null && Double.isFinite(v)) {
        xs.add(b.t());
        ys.add(v);
      }
    }
    if (!xs.isEmpty()) {
      chart.addSeries(name, xs, ys).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }
  }

  /** The hooks as vertical lines; a placeholder series when the chart has none (XChart needs one). */
  private static XYChart marked(XYChart chart, List<Double> hookTimes) {
    if (chart.getSeriesMap().isEmpty()) {
      chart.addSeries("no data", List.of(0.0), List.of(0.0));
      return chart;
    }
    for (double t : hookTimes) {
      chart.addAnnotation(new AnnotationLine(t, true, false));
    }
    return chart;
  }

  private static void writeGrid(List<Chart<?, ?>> panels, int columns, Path png) throws IOException {
    int rows = (panels.size() + columns - 1) / columns;
    BufferedImage out = new BufferedImage(W * columns, H * rows, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      for (int i = 0; i < panels.size(); i++) {
        g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), (i % columns) * W, (i / columns) * H, null);
      }
    } finally {
      g.dispose();
    }
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(out, "png", png.toFile());
  }
}
