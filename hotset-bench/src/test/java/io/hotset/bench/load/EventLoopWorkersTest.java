package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The event-loop client's HTTP/1.1 framing against a hand-written server: answers split across
 * writes, chunked bodies with extensions and trailers, a body that ends with the connection, a
 * keep-alive connection the server closed while idle (sent again on a new one), and a refused
 * connect.
 */
class EventLoopWorkersTest {

  /** Answers the n-th request (0-based) of the whole server with {@code answers[n % answers.length]}. */
  private static final class ScriptedServer implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    final Thread thread;

    ScriptedServer(Answer... answers) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            connections.incrementAndGet();
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
              if (!readHead(in)) {
                break;
              }
              Answer a = answers[requests.getAndIncrement() % answers.length];
              for (String part : a.parts) {
                out.write(part.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(5);
              }
              if (a.closeAfter) {
                break;
              }
            }
          } catch (IOException | InterruptedException e) {
            // next connection
          }
        }
      }, "scripted-server");
      thread.setDaemon(true);
      thread.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private static boolean readHead(InputStream in) throws IOException {
      int matched = 0;
      int b;
      while ((b = in.read()) >= 0) {
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched == 4) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private record Answer(boolean closeAfter, String... parts) {}

  private static final class Recording implements EventLoopWorkers.Driver {
    final int max;
    final AtomicInteger issued = new AtomicInteger();
    final ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    Recording(int max) {
      this.max = max;
    }

    @Override
    public EventLoopWorkers.Request next(SplittableRandom random, URI target) {
      return issued.incrementAndGet() > max ? null
          : new EventLoopWorkers.Request(Outcomes.READ, "GET", "/products/1", null, true);
    }

    @Override
    public void answered(EventLoopWorkers.Request r, long micros, int status, String xCache) {
      answers.add(status + " " + xCache);
    }

    @Override
    public void failed(EventLoopWorkers.Request r, Throwable t) {
      failures.add(t.getClass().getSimpleName());
    }

    @Override
    public long backoffNanos() {
      return 1_000_000;
    }
  }

  private static Recording drive(URI target, int requests) throws InterruptedException {
    Recording d = new Recording(requests);
    CountDownLatch done = new CountDownLatch(1);
    EventLoopWorkers w = new EventLoopWorkers(d, List.of(target), Duration.ofSeconds(1), Duration.ofSeconds(2), "gzip",
        1, 1, new SplittableRandom(1), done, () -> { });
    w.start();
    assertThat(done.await(20, TimeUnit.SECONDS)).as("the worker stopped by itself").isTrue();
    w.join(System.nanoTime() + 5_000_000_000L);
    return d;
  }

  @Test
  void framesSplitChunkedAndUntilCloseAnswers() throws Exception {
    try (ScriptedServer s = new ScriptedServer(
        // length-framed, the head split in the middle of the blank line
        new Answer(false, "HTTP/1.1 200 OK\r\nX-Cache: HIT\r\nContent-Length: 5\r\n\r", "\nhel", "lo"),
        // chunked with an extension and a trailer
        new Answer(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Cache: MISS\r\n\r\n",
            "3;ext=1\r\nabc\r\n", "2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n"),
        // no body
        new Answer(false, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"),
        // a body that ends with the connection
        new Answer(true, "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n", "gone"))) {
      Recording d = drive(s.url(), 8);
      assertThat(d.failures).isEmpty();
      assertThat(d.answers).containsExactly("200 HIT", "200 MISS", "304 null", "404 null",
          "200 HIT", "200 MISS", "304 null", "404 null");
      assertThat(s.connections.get()).isEqualTo(2); // one keep-alive connection per Connection: close
    }
  }

  @Test
  void aKeepAliveConnectionClosedWhileIdleIsReplacedAndTheRequestSentAgain() throws Exception {
    // the server answers, then closes without saying so: the next request on that connection meets EOF
    try (ScriptedServer s = new ScriptedServer(new Answer(true, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))) {
      Recording d = drive(s.url(), 5);
      assertThat(d.failures).isEmpty();
      assertThat(d.answers).hasSize(5).containsOnly("200 null");
      assertThat(s.connections.get()).isEqualTo(5);
    }
  }

  @Test
  void aRefusedConnectFailsAsConnectException() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Recording d = drive(URI.create("http://127.0.0.1:" + port), 3);
    assertThat(d.answers).isEmpty();
    assertThat(d.failures).hasSize(3).containsOnly("ConnectException");
  }
}
