package io.hotset.http.internal;

import io.hotset.http.SurrogateKeys;
import io.hotset.http.VarnishPurgeOptions;
import io.hotset.http.VarnishVcl;
import io.hotset.http.spi.EdgePurger;
import io.hotset.http.spi.PurgeResult;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Purges Varnish through the shipped VCL's {@code BAN} protocol. Keys (or URLs) are split into
 * batches whose header fits {@link VarnishPurgeOptions#maxHeaderBytes()}; each batch is one request,
 * retried on I/O errors, timeouts and 5xx with exponential backoff and jitter. The returned futures
 * never complete exceptionally (see {@link EdgePurger}). Thread-safe. Not API: use
 * {@link io.hotset.http.EdgePurgers#varnish}.
 */
public final class VarnishPurger implements EdgePurger {
  private static final System.Logger LOG = System.getLogger(VarnishPurger.class.getName());

  private final URI endpoint;
  private final VarnishPurgeOptions options;
  private final HttpClient client;
  private final Counter successes;
  private final Counter failures;
  private volatile boolean closed;

  /** A purger for {@code endpoint}. */
  public VarnishPurger(URI endpoint, VarnishPurgeOptions options) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.options = Objects.requireNonNull(options, "options");
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.requestTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    this.successes = counter(options, "success");
    this.failures = counter(options, "failure");
  }

  private static Counter counter(VarnishPurgeOptions options, String result) {
    return Counter.builder("hotset.edge.purges")
        .description("Edge purge requests by final result, after retries")
        .tag("result", result)
        .register(options.meterRegistry());
  }

  @Override
  public CompletableFuture<PurgeResult> purgeKeys(Collection<String> surrogateKeys) {
    List<String> keys = SurrogateKeys.normalize(surrogateKeys);
    return purge(VarnishVcl.KEYS_HEADER, keys);
  }

  @Override
  public CompletableFuture<PurgeResult> purgeUrls(Collection<String> urls) {
    Set<String> paths = new LinkedHashSet<>();
    for (String url : urls) {
      paths.add(pathAndQuery(url));
    }
    return purge(VarnishVcl.URLS_HEADER, List.copyOf(paths));
  }

  /** The path and query of a URL for the URL ban; rejects what could not be matched literally. */
  static String pathAndQuery(String url) {
    Objects.requireNonNull(url, "url");
    String u = url;
    if (!u.startsWith("/")) {
      URI parsed;
      try {
        parsed = URI.create(u);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a URL: " + HttpSyntax.quoteForMessage(url));
      }
      if (!parsed.isAbsolute() || parsed.getRawPath() == null) {
        throw new IllegalArgumentException("URL to purge must be a path starting with '/' or an absolute URL, was "
            + HttpSyntax.quoteForMessage(url));
      }
      String path = parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
      u = parsed.getRawQuery() == null ? path : path + "?" + parsed.getRawQuery();
    }
    int hash = u.indexOf('#');
    if (hash >= 0) {
      u = u.substring(0, hash);
    }
    for (int i = 0; i < u.length(); i++) {
      char c = u.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        throw new IllegalArgumentException("URL to purge may only hold visible ASCII without '\"' and '\\' "
            + "(percent-encode the rest), was " + HttpSyntax.quoteForMessage(url));
      }
    }
    return u;
  }

  private CompletableFuture<PurgeResult> purge(String header, List<String> items) {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(PurgeResult.success(List.of(), 0));
    }
    List<List<String>> batches = batches(items, options.maxHeaderBytes());
    if (closed) {
      failures.increment(batches.size());
      return CompletableFuture.completedFuture(new PurgeResult(List.of(), items, 0, "purger is closed"));
    }
    List<CompletableFuture<PurgeResult>> sent = new ArrayList<>(batches.size());
    for (List<String> batch : batches) {
      sent.add(send(header, batch, 1, new AtomicInteger()));
    }
    return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
      List<String> purged = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      int requests = 0;
      String error = null;
      for (CompletableFuture<PurgeResult> f : sent) {
        PurgeResult r = f.join();
        purged.addAll(r.purged());
        failed.addAll(r.failed());
        requests += r.requests();
        if (r.error() != null) {
          error = r.error();
        }
      }
      return new PurgeResult(purged, failed, requests, error);
    });
  }

  /**
   * Splits items into batches whose space-joined length stays within {@code maxBytes}; an item
   * longer than that gets a batch of its own.
   */
  static List<List<String>> batches(List<String> items, int maxBytes) {
    List<List<String>> out = new ArrayList<>();
    List<String> current = new ArrayList<>();
    int bytes = 0;
    for (String item : items) {
      int len = item.getBytes(StandardCharsets.US_ASCII).length;
      int added = current.isEmpty() ? len : len + 1;
      if (!current.isEmpty() && bytes + added > maxBytes) {
        out.add(current);
        current = new ArrayList<>();
        bytes = 0;
        added = len;
      }
      current.add(item);
      bytes += added;
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private CompletableFuture<PurgeResult> send(String header, List<String> batch, int attempt, AtomicInteger requests) {
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(options.requestTimeout())
        .method(VarnishVcl.PURGE_METHOD, HttpRequest.BodyPublishers.noBody())
        .header(header, String.join(" ", batch))
        .build();
    requests.incrementAndGet();
    CompletableFuture<HttpResponse<String>> response;
    try {
      response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return response.handle((resp, error) -> {
      String problem;
      boolean retryable;
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        problem = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        retryable = true;
      } else if (resp.statusCode() / 100 == 2) {
        successes.increment();
        return CompletableFuture.completedFuture(PurgeResult.success(batch, requests.get()));
      } else {
        problem = "HTTP " + resp.statusCode() + " from " + endpoint + ": " + abbreviate(resp.body());
        retryable = resp.statusCode() >= 500 || resp.statusCode() == 429;
      }
      if (retryable && attempt < options.maxAttempts() && !closed) {
        return CompletableFuture.supplyAsync(() -> null,
                CompletableFuture.delayedExecutor(backoffMillis(attempt), TimeUnit.MILLISECONDS))
            .thenCompose(ignored -> send(header, batch, attempt + 1, requests));
      }
      failures.increment();
      LOG.log(System.Logger.Level.WARNING, "edge purge of " + batch.size() + " " + (VarnishVcl.KEYS_HEADER.equals(header)
          ? "surrogate keys" : "URLs") + " failed after " + attempt + " attempt(s); they expire by TTL instead: " + problem);
      return CompletableFuture.completedFuture(new PurgeResult(List.of(), batch, requests.get(), problem));
    }).thenCompose(f -> f);
  }

  /** Exponential backoff with jitter: a random delay in [d/2, d] where d doubles per retry up to the maximum. */
  private long backoffMillis(int attempt) {
    long initial = options.initialBackoff().toMillis();
    long max = options.maxBackoff().toMillis();
    long d = initial;
    for (int i = 1; i < attempt && d < max; i++) {
      d *= 2;
    }
    d = Math.min(d, max);
    return d <= 1 ? d : d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
  }

  private static String abbreviate(String body) {
    if (body == null) {
      return "";
    }
    String oneLine = body.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "VarnishPurger[" + endpoint + ", " + options + "]";
  }

  /** For tests: the backoff before retry number {@code attempt} (1-based), jitter included. */
  Duration backoff(int attempt) {
    return Duration.ofMillis(backoffMillis(attempt));
  }
}
