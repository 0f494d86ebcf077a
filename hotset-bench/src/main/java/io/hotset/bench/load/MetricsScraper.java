package io.hotset.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Scrapes {@code GET /metrics} of every metrics target in parallel, bounded by a timeout. A target
 * that does not answer (or answers badly) is left out of the scrape with an error line; it never
 * throws.
 */
final class MetricsScraper {

  /** The counters of each target that answered, at one instant ({@link System#nanoTime()}). */
  record Scrape(long nanos, Map<URI, ServiceCounters> byTarget, List<String> errors) {
    static final Scrape NONE = new Scrape(0, Map.of(), List.of("metrics scraping is off"));
  }

  /** Counters between two scrapes, summed over the targets both have. */
  record Delta(ServiceCounters counters, boolean complete, List<String> errors) {}

  private final HttpClient client;
  private final List<URI> targets;
  private final Duration timeout;
  private final boolean enabled;

  MetricsScraper(HttpClient client, List<URI> targets, Duration timeout, boolean enabled) {
    this.client = client;
    this.targets = List.copyOf(targets);
    this.timeout = timeout;
    this.enabled = enabled;
  }

  Scrape scrape() throws InterruptedException {
    if (!enabled) {
      return Scrape.NONE;
    }
    Map<URI, CompletableFuture<HttpResponse<String>>> pending = new LinkedHashMap<>();
    for (URI t : targets) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(t + "/metrics")).timeout(timeout).GET().build();
      pending.put(t, client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    Map<URI, ServiceCounters> byTarget = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos() + 200_000_000L;
    for (Map.Entry<URI, CompletableFuture<HttpResponse<String>>> e : pending.entrySet()) {
      try {
        HttpResponse<String> r = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r.statusCode() != 200) {
          errors.add(e.getKey() + "/metrics: HTTP " + r.statusCode());
        } else {
          byTarget.put(e.getKey(), ServiceCounters.from(PrometheusText.parse(r.body())));
        }
      } catch (ExecutionException ex) {
        Throwable cause = ex.getCause() == null ? ex : ex.getCause();
        errors.add(e.getKey() + "/metrics: " + cause.getClass().getSimpleName());
      } catch (TimeoutException ex) {
        e.getValue().cancel(true);
        errors.add(e.getKey() + "/metrics: timed out");
      }
    }
    return new Scrape(System.nanoTime(), byTarget, errors);
  }

  /** What the counters did from {@code before} to {@code after}; null counters when no target is in both. */
  static Delta delta(Scrape after, Scrape before) {
    ServiceCounters sum = null;
    boolean complete = true;
    List<String> errors = new ArrayList<>(before.errors());
    errors.addAll(after.errors());
    for (Map.Entry<URI, ServiceCounters> e : after.byTarget().entrySet()) {
      ServiceCounters b = before.byTarget().get(e.getKey());
      if (b == null) {
        complete = false;
        continue;
      }
      ServiceCounters d = e.getValue().minus(b);
      sum = sum == null ? d : sum.plus(d);
    }
    if (!errors.isEmpty() || after.byTarget().size() != before.byTarget().size()) {
      complete = false;
    }
    return new Delta(sum, complete && sum != null, errors.stream().distinct().toList());
  }
}
