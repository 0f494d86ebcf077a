package io.hotset.bench.load;

/**
 * The counters the harness reads from a catalog service's {@code GET /metrics}: the product
 * region's lookups per tier and result ({@value #REQUESTS}{@code {region="product",tier,result}})
 * and the service's database queries ({@value #DB_QUERIES}, for {@code query="product"} and summed
 * over every query label). Values are cumulative counters; {@link #minus} turns two scrapes into
 * what happened between them.
 *
 * @param tiersPresent whether the scrape had any {@value #REQUESTS} sample for the region
 * @param dbPresent whether the scrape had any {@value #DB_QUERIES} sample
 */
public record ServiceCounters(
    double l1Hit, double l1Miss, double l1Stale, double l1Negative,
    double l2Hit, double l2Miss, double l2Stale, double l2Negative,
    double dbProductQueries, double dbQueries, boolean tiersPresent, boolean dbPresent) {

  public static final String REQUESTS = "hotset_requests_total";
  public static final String DB_QUERIES = "catalog_db_queries_total";
  public static final String REGION = "product";

  /** Nothing counted, nothing present. */
  public static final ServiceCounters EMPTY =
      new ServiceCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, false);

  /** The counters in one scrape. */
  public static ServiceCounters from(PrometheusText metrics) {
    boolean tiers = metrics.samples().stream()
        .anyMatch(s -> s.name().equals(REQUESTS) && s.label("region").equals(REGION));
    return new ServiceCounters(
        tier(metrics, "l1", "hit"), tier(metrics, "l1", "miss"), tier(metrics, "l1", "stale"),
        tier(metrics, "l1", "negative"),
        tier(metrics, "l2", "hit"), tier(metrics, "l2", "miss"), tier(metrics, "l2", "stale"),
        tier(metrics, "l2", "negative"),
        metrics.sum(DB_QUERIES, "query", REGION), metrics.sum(DB_QUERIES, l -> true),
        tiers, metrics.has(DB_QUERIES));
  }

  private static double tier(PrometheusText m, String tier, String result) {
    return m.sum(REQUESTS, "region", REGION, "tier", tier, "result", result);
  }

  /**
   * What was counted since {@code before}, field by field. A counter that went down was reset
   * (the service restarted): its whole current value counts, as Prometheus' {@code increase} does.
   */
  public ServiceCounters minus(ServiceCounters before) {
    return new ServiceCounters(
        d(l1Hit, before.l1Hit), d(l1Miss, before.l1Miss), d(l1Stale, before.l1Stale),
        d(l1Negative, before.l1Negative),
        d(l2Hit, before.l2Hit), d(l2Miss, before.l2Miss), d(l2Stale, before.l2Stale),
        d(l2Negative, before.l2Negative),
        d(dbProductQueries, before.dbProductQueries), d(dbQueries, before.dbQueries),
        tiersPresent, dbPresent);
  }

  /** The sum of two services' counters (e.g. two instances behind round-robin). */
  public ServiceCounters plus(ServiceCounters o) {
    return new ServiceCounters(
        l1Hit + o.l1Hit, l1Miss + o.l1Miss, l1Stale + o.l1Stale, l1Negative + o.l1Negative,
        l2Hit + o.l2Hit, l2Miss + o.l2Miss, l2Stale + o.l2Stale, l2Negative + o.l2Negative,
        dbProductQueries + o.dbProductQueries, dbQueries + o.dbQueries,
        tiersPresent || o.tiersPresent, dbPresent || o.dbPresent);
  }

  private static double d(double after, double before) {
    return after >= before ? after - before : after;
  }

  /** L1 lookups answered without going further: hit, stale or negative. */
  public double l1Answered() {
    return l1Hit + l1Stale + l1Negative;
  }

  public double l1Lookups() {
    return l1Answered() + l1Miss;
  }

  public double l2Answered() {
    return l2Hit + l2Stale + l2Negative;
  }

  public double l2Lookups() {
    return l2Answered() + l2Miss;
  }

  /** (hit + stale + negative) / lookups of L1; null when there were no lookups. */
  public Double l1HitRatio() {
    return Ratios.ratio(l1Answered(), l1Lookups());
  }

  /** (hit + stale + negative) / lookups of L2; null when there were no lookups. */
  public Double l2HitRatio() {
    return Ratios.ratio(l2Answered(), l2Lookups());
  }
}
