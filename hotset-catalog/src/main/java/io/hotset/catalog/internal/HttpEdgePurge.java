package io.hotset.catalog.internal;

import io.hotset.catalog.spi.EdgePurge;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;

/**
 * The plain purger used when {@code HOTSET_EDGE_PURGE_URL} is set and no better one is plugged in:
 * one asynchronous {@code PURGE} request per change to that URL with the surrogate keys in an
 * {@code xkey-purge} header (what a VCL using vmod_xkey typically matches on). Failures are logged,
 * never thrown; the edge's TTL bounds what a lost purge leaves behind.
 */
public final class HttpEdgePurge implements EdgePurge {
  private final URI url;
  private final HttpClient client;
  private final PrintStream log;

  public HttpEdgePurge(URI url, PrintStream log) {
    this.url = url;
    this.log = log;
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  @Override
  public void purge(Collection<String> surrogateKeys) {
    if (surrogateKeys.isEmpty()) {
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(Duration.ofSeconds(5))
        .header("xkey-purge", HttpHeaders.surrogateKeys(surrogateKeys))
        .method("PURGE", HttpRequest.BodyPublishers.noBody())
        .build();
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
      if (e != null) {
        log.println("hotset-catalog: edge purge of " + surrogateKeys + " failed: " + e);
      } else if (r.statusCode() >= 300) {
        log.println("hotset-catalog: edge purge of " + surrogateKeys + " answered " + r.statusCode());
      }
    });
  }
}
