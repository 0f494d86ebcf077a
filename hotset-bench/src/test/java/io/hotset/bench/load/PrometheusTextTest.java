package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static final String SCRAPE = """
      # HELP hotset_requests_total Lookups per tier and result
      # TYPE hotset_requests_total counter
      hotset_requests_total{region="product",tier="l1",result="hit",} 900.0
      hotset_requests_total{region="product",tier="l1",result="miss"} 100
      hotset_requests_total{region="product",tier="l1",result="stale"} 5
      hotset_requests_total{region="product",tier="l1",result="negative"} 3
      hotset_requests_total{region="product",tier="l2",result="hit"} 60
      hotset_requests_total{region="product",tier="l2",result="miss"} 40
      hotset_requests_total{application="catalog", region="product", tier="l2", result="miss"} 2
      hotset_requests_total{region="category-top",tier="l1",result="hit"} 7777
      catalog_db_queries_total{query="product"} 42 1700000000000
      catalog_db_queries_total{query="category_top"} 8
      catalog_db_queries_total{query="we\\"ird,label}"} 1e1
      jvm_threads_live 12
      odd_metric{le="+Inf"} +Inf
      nan_metric NaN
      this is not a metric line
      broken{label="unterminated} 3
      # EOF
      """;

  @Test
  void readsSamplesLabelsAndValuesToleratingOddLines() {
    PrometheusText p = PrometheusText.parse(SCRAPE);

    assertThat(p.sum("hotset_requests_total", "region", "product", "tier", "l1", "result", "hit")).isEqualTo(900);
    // extra labels (application) are ignored, samples with the same wanted labels are summed
    assertThat(p.sum("hotset_requests_total", "region", "product", "tier", "l2", "result", "miss")).isEqualTo(42);
    assertThat(p.sum("catalog_db_queries_total", "query", "product")).isEqualTo(42);
    assertThat(p.sum("catalog_db_queries_total", l -> true)).isEqualTo(60);
    assertThat(p.samples()).anySatisfy(s -> assertThat(s.label("query")).isEqualTo("we\"ird,label}"));
    assertThat(p.sum("jvm_threads_live", l -> true)).isEqualTo(12);
    assertThat(p.sum("odd_metric", l -> true)).isInfinite();
    assertThat(p.sum("nan_metric", l -> true)).isZero(); // NaN samples do not poison sums
    assertThat(p.skippedLines()).isEqualTo(2);
    assertThat(p.has("catalog_db_queries_total")).isTrue();
    assertThat(p.has("absent_total")).isFalse();
  }

  @Test
  void emptyAndGarbageInputGiveNoSamples() {
    assertThat(PrometheusText.parse("").samples()).isEmpty();
    assertThat(PrometheusText.parse(null).samples()).isEmpty();
    assertThat(PrometheusText.parse("<html>503</html>\n{}\n").samples()).isEmpty();
    assertThat(PrometheusText.parseLine("x{a=\"1\" b=\"2\"} 3").labels()).containsEntry("b", "2");
  }

  @Test
  void serviceCountersOfTheProductRegionAndTheirDelta() {
    ServiceCounters before = ServiceCounters.from(PrometheusText.parse(SCRAPE));
    assertThat(before.tiersPresent()).isTrue();
    assertThat(before.dbPresent()).isTrue();
    assertThat(before.l1Lookups()).isEqualTo(1008);
    assertThat(before.l1HitRatio()).isCloseTo(908.0 / 1008, within(1e-12));
    assertThat(before.l2HitRatio()).isCloseTo(60.0 / 102, within(1e-12));
    assertThat(before.dbProductQueries()).isEqualTo(42);
    assertThat(before.dbQueries()).isEqualTo(60);

    ServiceCounters after = ServiceCounters.from(PrometheusText.parse(SCRAPE
        .replace("} 900.0", "} 1900").replace("catalog_db_queries_total{query=\"product\"} 42", 
            "catalog_db_queries_total{query=\"product\"} 50")));
    ServiceCounters d = after.minus(before);
    assertThat(d.l1Hit()).isEqualTo(1000);
    assertThat(d.l1Miss()).isZero();
    assertThat(d.dbProductQueries()).isEqualTo(8);
    assertThat(d.dbQueries()).isEqualTo(8);
  }

  @Test
  void aCounterThatWentDownWasResetAndCountsFromZero() {
    ServiceCounters before = new ServiceCounters(100, 10, 0, 0, 0, 0, 0, 0, 500, 600, true, true);
    ServiceCounters restarted = new ServiceCounters(30, 4, 0, 0, 0, 0, 0, 0, 4, 5, true, true);
    ServiceCounters d = restarted.minus(before);
    assertThat(d.l1Hit()).isEqualTo(30);
    assertThat(d.dbProductQueries()).isEqualTo(4);
    assertThat(d.plus(d).l1Miss()).isEqualTo(8);
  }

  @Test
  void aServiceWithoutTheMetricsHasNoRatios() {
    ServiceCounters c = ServiceCounters.from(PrometheusText.parse("jvm_threads_live 3\n"));
    assertThat(c.tiersPresent()).isFalse();
    assertThat(c.dbPresent()).isFalse();
    assertThat(c.l1HitRatio()).isNull();
  }
}
