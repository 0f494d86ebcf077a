package io.hotset.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.hotset.http.EdgePurgers;
import io.hotset.http.VarnishPurgeOptions;
import io.hotset.http.VarnishVcl;
import io.hotset.http.spi.EdgePurger;
import io.hotset.http.spi.PurgeResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The purger against an in-process fake of Varnish's purge endpoint (the real one is in VarnishEdgeIT). */
class VarnishPurgerTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
  private final AtomicInteger calls = new AtomicInteger();
  private HttpServer fake;

  @AfterEach
  void stopFake() {
    if (fake != null) {
      fake.stop(0);
    }
  }

  /** A fake endpoint answering each request with the status {@code statuses} gives, recording method and headers. */
  private URI fakeVarnish(IntSupplier statuses, Duration delay) throws IOException {
    fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    fake.createContext("/", exchange -> {
      calls.incrementAndGet();
      String keys = exchange.getRequestHeaders().getFirst(VarnishVcl.KEYS_HEADER);
      String urls = exchange.getRequestHeaders().getFirst(VarnishVcl.URLS_HEADER);
      received.add(exchange.getRequestMethod() + " " + (keys != null ? "keys=" + keys : "urls=" + urls));
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(statuses.getAsInt(), -1);
      exchange.close();
    });
    fake.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    fake.start();
    return URI.create("http://127.0.0.1:" + fake.getAddress().getPort() + "/");
  }

  private VarnishPurgeOptions.Builder fastOptions() {
    return VarnishPurgeOptions.builder().meterRegistry(registry).initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(40)).requestTimeout(Duration.ofSeconds(2));
  }

  private double count(String result) {
    return registry.get("hotset.edge.purges").tag("result", result).counter().count();
  }

  private static PurgeResult await(java.util.concurrent.CompletableFuture<PurgeResult> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void sendsOneBanWithAllKeys() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("product:42", "category:5", "product:42")));
      assertThat(r.isComplete()).isTrue();
      assertThat(r.purged()).containsExactly("product:42", "category:5");
      assertThat(r.requests()).isEqualTo(1);
      assertThat(received).containsExactly("BAN keys=product:42 category:5");
      assertThat(count("success")).isEqualTo(1.0);
    }
  }

  @Test
  void urlsAreReducedToPathAndQuery() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build())) {
      await(purger.purgeUrls(List.of("/products/42", "https://shop.example/products/7?v=3#x", "/a?b=c")));
      assertThat(received).containsExactly("BAN urls=/products/42 /products/7?v=3 /a?b=c");
    }
  }

  @Test
  void manyKeysAreSplitIntoRequestsThatFitTheHeaderLimit() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ZERO);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("product:" + i);
    }
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().maxHeaderBytes(1024).build())) {
      PurgeResult r = await(purger.purgeKeys(keys));
      assertThat(r.purged()).containsExactlyInAnyOrderElementsOf(keys);
      assertThat(r.requests()).isEqualTo(received.size()).isGreaterThan(1);
      assertThat(received).allSatisfy(line -> assertThat(line.length() - "BAN keys=".length()).isLessThanOrEqualTo(1024));
    }
  }

  @Test
  void serverErrorsAreRetriedWithBackoffUntilTheySucceed() throws Exception {
    AtomicInteger n = new AtomicInteger();
    URI endpoint = fakeVarnish(() -> n.incrementAndGet() < 3 ? 503 : 200, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("k")));
      assertThat(r.isComplete()).isTrue();
      assertThat(r.requests()).isEqualTo(3);
      assertThat(count("success")).isEqualTo(1.0);
      assertThat(count("failure")).isZero();
    }
  }

  @Test
  void persistentFailuresAreReportedAndCountedNeverThrown() throws Exception {
    URI endpoint = fakeVarnish(() -> 500, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().maxAttempts(3).build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("a", "b")));
      assertThat(r.isComplete()).isFalse();
      assertThat(r.failed()).containsExactly("a", "b");
      assertThat(r.requests()).isEqualTo(3);
      assertThat(r.error()).contains("HTTP 500");
      assertThat(count("failure")).isEqualTo(1.0);
    }
  }

  @Test
  void clientErrorsSuchAsTheAclAreNotRetried() throws Exception {
    URI endpoint = fakeVarnish(() -> 403, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("a")));
      assertThat(r.failed()).containsExactly("a");
      assertThat(r.requests()).isEqualTo(1);
      assertThat(calls.get()).isEqualTo(1);
      assertThat(r.error()).contains("HTTP 403");
    }
  }

  @Test
  void timeoutsAreRetriedAndThenReported() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ofMillis(600));
    try (EdgePurger purger = EdgePurgers.varnish(endpoint,
        fastOptions().requestTimeout(Duration.ofMillis(100)).maxAttempts(2).build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("slow")));
      assertThat(r.failed()).containsExactly("slow");
      assertThat(r.requests()).isEqualTo(2);
      assertThat(r.error()).contains("Timeout");
    }
  }

  @Test
  void anUnreachableEndpointIsAFailureNotAnException() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    try (EdgePurger purger = EdgePurgers.varnish(URI.create("http://127.0.0.1:" + closedPort + "/"),
        fastOptions().maxAttempts(2).build())) {
      PurgeResult r = await(purger.purgeKeys(List.of("k")));
      assertThat(r.failed()).containsExactly("k");
      assertThat(r.error()).containsIgnoringCase("connect");
      assertThat(count("failure")).isEqualTo(1.0);
    }
  }

  @Test
  void invalidKeysAndUrlsAreTheCallersBugAndRejectedAtOnce() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ZERO);
    try (EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build())) {
      assertThatThrownBy(() -> purger.purgeKeys(List.of("ok", "not ok")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not ok'");
      assertThatThrownBy(() -> purger.purgeUrls(List.of("/a b")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'/a b'");
      assertThatThrownBy(() -> purger.purgeUrls(List.of("relative/path")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'relative/path'");
      assertThat(calls.get()).isZero();
    }
  }

  @Test
  void nothingToPurgeSendsNothingAndAClosedPurgerFailsQuietly() throws Exception {
    URI endpoint = fakeVarnish(() -> 200, Duration.ZERO);
    EdgePurger purger = EdgePurgers.varnish(endpoint, fastOptions().build());
    assertThat(await(purger.purgeKeys(List.of())).requests()).isZero();
    purger.close();
    PurgeResult r = await(purger.purgeKeys(List.of("k")));
    assertThat(r.failed()).containsExactly("k");
    assertThat(r.error()).contains("closed");
    assertThat(calls.get()).isZero();
  }

  @Test
  void batchesNeverExceedTheLimitUnlessOneItemAloneDoes() {
    assertThat(VarnishPurger.batches(List.of("aa", "bb", "cc", "dd"), 5))
        .containsExactly(List.of("aa", "bb"), List.of("cc", "dd"));
    assertThat(VarnishPurger.batches(List.of("aaaaaaa", "b"), 5)).containsExactly(List.of("aaaaaaa"), List.of("b"));
    assertThat(VarnishPurger.batches(List.of(), 5)).isEmpty();
  }

  @Test
  void backoffGrowsWithJitterUpToTheMaximum() {
    VarnishPurger purger = new VarnishPurger(URI.create("http://127.0.0.1:1/"), VarnishPurgeOptions.builder()
        .meterRegistry(registry).initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(350)).build());
    for (int i = 0; i < 50; i++) {
      assertThat(purger.backoff(1).toMillis()).isBetween(50L, 100L);
      assertThat(purger.backoff(2).toMillis()).isBetween(100L, 200L);
      assertThat(purger.backoff(3).toMillis()).isBetween(175L, 350L);
      assertThat(purger.backoff(9).toMillis()).isBetween(175L, 350L);
    }
  }

  @Test
  void optionsAndEndpointAreValidatedWithTheValue() {
    assertThatThrownBy(() -> VarnishPurgeOptions.builder().maxAttempts(0).build()).hasMessageContaining("was 0");
    assertThatThrownBy(() -> VarnishPurgeOptions.builder().requestTimeout(Duration.ZERO).build())
        .hasMessageContaining("was PT0S");
    assertThatThrownBy(() -> VarnishPurgeOptions.builder().initialBackoff(Duration.ofSeconds(5)).build())
        .hasMessageContaining("was PT2S");
    assertThatThrownBy(() -> VarnishPurgeOptions.builder().maxHeaderBytes(10).build()).hasMessageContaining("was 10");
    assertThatThrownBy(() -> EdgePurgers.varnish(URI.create("ftp://h/"))).hasMessageContaining("'ftp://h/'");
    assertThatThrownBy(() -> EdgePurgers.varnish(URI.create("/relative"))).hasMessageContaining("'/relative'");
    VarnishPurgeOptions o = VarnishPurgeOptions.from(VarnishPurgeOptions.defaults()).maxAttempts(2).build();
    assertThat(o.maxAttempts()).isEqualTo(2);
    assertThat(o.requestTimeout()).isEqualTo(VarnishPurgeOptions.DEFAULT_REQUEST_TIMEOUT);
  }

  @Test
  void noopPurgerReportsSuccessWithoutRequests() throws Exception {
    PurgeResult r = await(EdgePurgers.noop().purgeKeys(List.of("a")));
    assertThat(r.isComplete()).isTrue();
    assertThat(r.requests()).isZero();
  }
}
