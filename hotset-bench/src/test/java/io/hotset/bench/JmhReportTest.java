package io.hotset.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JmhReportTest {

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(JmhReportTest.class.getResource("/" + name).toURI());
  }

  @Test
  void throughputOnlyResultKeepsTheL1ReportFormat() throws Exception {
    List<JmhReport.Row> rows = JmhReport.parse(resource("jmh-throughput.json"));
    JmhReport.Report report = JmhReport.render(rows, "caffeine", "L1");

    assertThat(report.markdown()).isEqualTo("""
        | benchmark | variant | ops/µs (± 99.9% CI) | ratio vs caffeine | allocation B/op |
        |---|---|---|---|---|
        | read_1thread | caffeine | 9.96 ± 1.32 | **1.00** | 0.000 |
        | read_1thread | hotset | 10.61 ± 4.05 | **1.07** | 0.000 |
        | read_1thread | hotset-nometrics | 7.61 ± 1.32 | **0.76** | 0.001 |
        """);
    assertThat(report.chart().getWidth()).isEqualTo(800);
  }

  @Test
  void sampleTimeResultGetsPercentilesRatiosAndAThroughputTable() throws Exception {
    List<JmhReport.Row> rows = JmhReport.parse(resource("jmh-sample.json"));
    assertThat(rows).extracting(JmhReport.Row::param).containsExactly("lettuce", "hotset", "lettuce", "hotset");
    JmhReport.Report report = JmhReport.render(rows, "lettuce", "L2");

    String md = report.markdown();
    assertThat(md).contains("| benchmark | variant | p50 µs | p90 µs | p99 µs | mean µs (± 99.9% CI) "
        + "| p50 ratio vs lettuce | p99 ratio vs lettuce | p50 per fork | allocation B/op |");
    // p50 55 / 60, p99 105 / 110; fork medians from the merged iteration histograms
    assertThat(md).contains("| get | lettuce | 60.0 | 80.0 | 110.0 | 98.9 ± 5.7 | **1.00** | **1.00** "
        + "| 60.0 / 62.0 / 60.0 | 2182 |");
    assertThat(md).contains("| get | hotset | 55.0 | 75.0 | 105.0 | 82.2 ± 3.5 | **0.92** | **0.95** "
        + "| 55.0 / 57.0 / 55.0 | 5395 |");
    assertThat(md).contains("| benchmark | variant | ops/s (± 99.9% CI) | ratio vs lettuce | allocation B/op |");
    assertThat(md)
        .containsPattern("\\| getAll \\| hotset \\| 940\\.56 ± [0-9.a-zN]+ \\| \\*\\*1\\.85\\*\\* \\| 498476 \\|");
    // two panels: latency and throughput
    assertThat(report.chart().getWidth()).isEqualTo(1600);
    assertThat(md).doesNotContain("threads / mean");
  }

  @Test
  void writeLatencyResultGetsSmallRatiosAThreadsTableAndOnePanelPerMethod() throws Exception {
    List<JmhReport.Row> rows = JmhReport.parse(resource("jmh-write.json"));
    assertThat(rows).extracting(JmhReport.Row::threads).containsExactly(1, 1, 1, 1, 4, 4);
    JmhReport.Report report = JmhReport.render(rows, "source", "write");

    String md = report.markdown();
    assertThat(md).contains("| p50 ratio vs source | p99 ratio vs source |");
    assertThat(md).contains("| write_1thread | source | 386.3 | 631.7 | 3204.3 | 478.5 ± 27.0 | **1.00** | **1.00** |");
    assertThat(md).contains("| write_1thread | write-through | 682.0 | 1660.5 | 4556.1 | 930.1 ± 58.7 | **1.77** "
        + "| **1.42** |");
    // a ratio of a few thousandths keeps three decimals instead of printing as 0.00
    assertThat(md).contains("| write_1thread | write-behind-process | 2.0 | 2.3 | 8.0 | 6.8 ± 4.5 | **0.005** "
        + "| **0.002** |");
    assertThat(md).contains("| benchmark | variant | threads | ops/s (threads / mean) | ratio vs source |");
    assertThat(md).contains("| write_1thread | write-behind-process | 1 | 147024 | **70.36** |");
    assertThat(md).contains("| write_4threads | source | 4 | 7409 | **1.00** |");
    assertThat(md).contains("| write_4threads | write-behind-process | 4 | 284716 | **38.43** |");
    // four variants, two of them on four threads: a panel per method, 240 + 110 px per variant
    assertThat(JmhReport.grouped(JmhReport.byMethod(rows))).isFalse();
    assertThat(report.chart().getWidth()).isEqualTo(680 + 460);
  }
}
