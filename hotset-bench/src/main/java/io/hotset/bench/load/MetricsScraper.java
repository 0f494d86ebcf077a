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

  /**
   * Starts a scrape of every target. The future always completes normally, within about the
   * scrape timeout: a target that fails or does not answer in time is an error line of the scrape.
   */
  CompletableFuture<Scrape> scrapeAsync() {
    if (!enabled) {
      return CompletableFuture.completedFuture(Scrape.NONE);
    }
    Map<URI, CompletableFuture<Object>> pending = new LinkedHashMap<>();
    for (URI t : targets) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(t + "/metrics")).timeout(timeout).GET().build();
      CompletableFuture<Object> f = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .<Object>handle((r, ex) -> {
            if (ex != null) {
              Throwable cause = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null
                  ? ex.getCause() : ex;
              return t + "/metrics: " + cause.getClass().getSimpleName();
            }
            if (r.statusCode() != 200) {
              return t + "/metrics: HTTP " + r.statusCode();
            }
            return ServiceCounters.from(PrometheusText.parse(r.body()));
          })
          .completeOnTimeout(t + "/metrics: timed out", timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
      pending.put(t, f);
    }
    return CompletableFuture.allOf(pending.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      Map<URI, ServiceCounters> byTarget = new LinkedHashMap<>();
      List<String> errors = new ArrayList<>();
      pending.forEach((t, f) -> {
        Object o = f.join();
        if (o instanceof ServiceCounters c) {
          byTarget.put(t, c);
        } else {
          errors.add((String) o);
        }
      });
      return new Scrape(System.nanoTime(), byTarget, errors);
    });
  }

  /** Waits for {@code scrape} at most {@code bound}; an error scrape when it is not done by then. */
  static Scrape await(CompletableFuture<Scrape> scrape, Duration bound) throws InterruptedException {
    try {
      return scrape.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return new Scrape(System.nanoTime(), Map.of(), List.of("metrics scrape did not finish: " + e));
    }
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
