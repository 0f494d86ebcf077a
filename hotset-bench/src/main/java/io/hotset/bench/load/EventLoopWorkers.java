package io.hotset.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The load's closed-loop workers as state machines on a few selector threads, not a thread each.
 * Each worker has one keep-alive HTTP/1.1 connection per target and one request in flight, and
 * sends the next as soon as the last is answered, as a blocking worker would; what changes is
 * the cost. A blocking worker sleeps in {@code read} after every request, and on this 2-core VM
 * the context switch in and out was 40% of the generator's CPU (perf), which the measured service
 * then did not get. A selector thread that finds several answers ready per wake-up, like wrk's,
 * does not sleep while the load is high.
 *
 * <p>Per request: one {@code write}, usually one {@code read}; an HTTP/1.1 response is framed by
 * {@code Content-Length}, chunked encoding or the end of the connection, and its body is
 * discarded (compressed or not). A request on a reused connection that the server had closed
 * (EOF or reset before any answer) is sent once more on a new connection, as the blocking client
 * did. Timeouts: the connect timeout from the start of a connect, the request timeout from the
 * start of a request; they fail as {@link SocketTimeoutException}, a refused connect as
 * {@link ConnectException}, so the outcome names are those of the blocking client.
 */
final class EventLoopWorkers {
  /** What the workers ask of the run. */
  interface Driver {
    /** The next request of a worker, or null when the worker is to stop. */
    Request next(SplittableRandom random, URI target);

    void answered(Request r, long micros, int status, String xCache);

    void failed(Request r, Throwable t);

    /** A worker's pause after a transport failure, in nanoseconds (0: none). */
    long backoffNanos();
  }

  /** One request: its outcome key, its method and path, a JSON body for PUT, and whether X-Cache counts. */
  record Request(String op, String method, String path, String jsonBody, boolean countEdge) {}

  private static final int MAX_HEAD = 64 * 1024;
  private static final long MAX_SELECT_MS = 10;

  private final Driver driver;
  private final List<URI> targets;
  private final long connectTimeoutNanos;
  private final long requestTimeoutNanos;
  private final byte[] acceptEncodingHeader;
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch done;
  private final Runnable onAllDone;

  /**
   * @param workers closed-loop workers (the load's concurrency)
   * @param loops selector threads to spread them over
   * @param done counted down once per worker that stopped; {@code onAllDone} runs when it reaches 0
   */
  EventLoopWorkers(Driver driver, List<URI> targets, Duration connectTimeout, Duration requestTimeout,
      String acceptEncoding, int workers, int loops, SplittableRandom seeds, CountDownLatch done, Runnable onAllDone) {
    this.driver = driver;
    this.targets = List.copyOf(targets);
    this.connectTimeoutNanos = connectTimeout.toNanos();
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.acceptEncodingHeader = RawHttp.acceptEncodingHeader(acceptEncoding);
    this.done = done;
    this.onAllDone = onAllDone;
    int n = Math.max(1, Math.min(loops, workers));
    List<List<Worker>> perLoop = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      perLoop.add(new ArrayList<>());
    }
    for (int i = 0; i < workers; i++) {
      perLoop.get(i % n).add(new Worker(seeds.split(), i % this.targets.size()));
    }
    for (int i = 0; i < n; i++) {
      List<Worker> mine = perLoop.get(i);
      Thread t = new Thread(() -> loop(mine), "load-loop-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /** Waits for the selector threads until {@code boundNanos} ({@link System#nanoTime()}). */
  void join(long boundNanos) throws InterruptedException {
    for (Thread t : threads) {
      t.join(Math.max(1, (boundNanos - System.nanoTime()) / 1_000_000));
    }
  }

  // ------------------------------------------------------------------------------------------

  private final class Worker {
    final SplittableRandom random;
    final Conn[] conns = new Conn[targets.size()];
    int target;
    Request current;
    Conn conn;
    long started;         // the request's start, for its latency (a connect included)
    long since;           // the start of the connect or of the request, for the timeouts
    boolean connecting;
    boolean retried;
    long wakeAt;
    boolean sleeping;
    boolean finished;

    Worker(SplittableRandom random, int target) {
      this.random = random;
      this.target = target;
    }
  }

  /** One keep-alive connection and the parse state of the answer it awaits. */
  private static final class Conn {
    final SocketChannel ch;
    final SelectionKey key;
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    final byte[] hostHeader;
    ByteBuffer out;
    boolean used;
    boolean closed;
    // parse state
    int scanned;          // bytes of the head already searched for the blank line
    boolean inHead = true;
    boolean gotBytes;
    int status;
    String xCache;
    boolean closeAfter;
    long bodyLeft;        // fixed-length body or chunk data (with its CRLF) still to skip
    int mode;             // 0 none, 1 length, 2 chunked, 3 until close
    boolean inChunkData;
    boolean inTrailers;

    Conn(SocketChannel ch, SelectionKey key, URI base) {
      this.ch = ch;
      this.key = key;
      this.hostHeader = RawHttp.hostHeader(base);
    }

    void resetParse() {
      scanned = 0;
      inHead = true;
      gotBytes = false;
      status = 0;
      xCache = null;
      closeAfter = false;
      bodyLeft = 0;
      mode = 0;
      inChunkData = false;
      inTrailers = false;
    }

    void close() {
      closed = true;
      key.cancel();
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void loop(List<Worker> workers) {
    int active = workers.size();
    try (Selector selector = Selector.open()) {
      for (Worker w : workers) {
        begin(selector, w);
      }
      while (true) {
        active = 0;
        long now = System.nanoTime();
        long nextWake = now + MAX_SELECT_MS * 1_000_000;
        for (Worker w : workers) {
          if (w.finished) {
            continue;
          }
          active++;
          if (w.sleeping) {
            if (now - w.wakeAt >= 0) {
              w.sleeping = false;
              begin(selector, w);
            } else if (w.wakeAt - nextWake < 0) {
              nextWake = w.wakeAt;
            }
          } else if (w.current != null) {
            long limit = w.since + (w.connecting ? connectTimeoutNanos : requestTimeoutNanos);
            if (now - limit >= 0) {
              fail(w, new SocketTimeoutException(w.connecting ? "connect timed out after "
                  + Duration.ofNanos(connectTimeoutNanos) : "no complete answer within "
                  + Duration.ofNanos(requestTimeoutNanos)));
            } else if (limit - nextWake < 0) {
              nextWake = limit;
            }
          }
        }
        if (active == 0) {
          break;
        }
        long waitMs = Math.max(0, (nextWake - System.nanoTime()) / 1_000_000);
        if (waitMs == 0) {
          selector.selectNow();
        } else {
          selector.select(waitMs);
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          Worker w = (Worker) k.attachment();
          if (!k.isValid()) {
            continue;
          }
          if (w.current == null || w.conn == null || w.conn.key != k) {
            idleReadable(w, k);
            continue;
          }
          handle(selector, w, k);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a selector failure ends this thread's workers; each is reported as a failure once
      for (Worker w : workers) {
        if (!w.finished) {
          if (w.current != null) {
            driver.failed(w.current, e);
          }
          finish(w);
        }
      }
    } finally {
      for (Worker w : workers) {
        for (Conn c : w.conns) {
          if (c != null && !c.closed) {
            c.close();
          }
        }
        if (!w.finished) {
          finish(w);
        }
      }
    }
  }

  private void finish(Worker w) {
    w.finished = true;
    w.current = null;
    done.countDown();
    if (done.getCount() == 0) {
      onAllDone.run();
    }
  }

  /** Starts the worker's next request, or finishes the worker. */
  private void begin(Selector selector, Worker w) {
    URI base = targets.get(w.target);
    Request r = driver.next(w.random, base);
    if (r == null) {
      finish(w);
      return;
    }
    w.current = r;
    w.retried = false;
    w.started = System.nanoTime();
    w.since = w.started;
    send(selector, w);
  }

  /** Sends the current request on the worker's connection to its target (opened if needed). */
  private void send(Selector selector, Worker w) {
    URI base = targets.get(w.target);
    Conn c = w.conns[w.target];
    try {
      if (c == null || c.closed) {
        SocketChannel ch = SocketChannel.open();
        try {
          ch.configureBlocking(false);
          ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
          ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
          boolean connected = ch.connect(new InetSocketAddress(base.getHost(), RawHttp.port(base)));
          SelectionKey key = ch.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, w);
          c = new Conn(ch, key, base);
          w.conns[w.target] = c;
          w.conn = c;
          w.connecting = !connected;
          if (!connected) {
            w.since = System.nanoTime();
            return; // the request goes out once connected
          }
        } catch (IOException | RuntimeException e) {
          ch.close();
          throw e;
        }
      }
      w.conn = c;
      w.connecting = false;
      w.since = System.nanoTime();
      c.out = ByteBuffer.wrap(RawHttp.request(w.current.method(), w.current.path(), c.hostHeader,
          acceptEncodingHeader, w.current.jsonBody()));
      c.resetParse();
      c.in.clear();
      c.ch.write(c.out);
      if (c.out.hasRemaining()) {
        c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      } else if (c.key.interestOps() != SelectionKey.OP_READ) {
        // Connected connections stay registered for reads, idle or not: no epoll_ctl per request
        // (see idleReadable for what an idle one's read means).
        c.key.interestOps(SelectionKey.OP_READ);
      }
    } catch (IOException | RuntimeException e) {
      fail(w, e);
    }
  }

  private void handle(Selector selector, Worker w, SelectionKey k) {
    Conn c = w.conn;
    try {
      if (k.isConnectable()) {
        if (!c.ch.finishConnect()) {
          return;
        }
        send(selector, w);
        return;
      }
      if (k.isWritable()) {
        c.ch.write(c.out);
        if (!c.out.hasRemaining()) {
          k.interestOps(SelectionKey.OP_READ);
        }
        if (!k.isReadable()) {
          return;
        }
      }
      if (k.isReadable()) {
        int n = c.ch.read(c.in);
        if (n < 0) {
          if (c.mode == 3 && !c.inHead) {
            complete(selector, w, true);
            return;
          }
          throw new EOFException(c.inHead ? "connection closed inside a response head"
              : "connection closed inside a response body");
        }
        if (n > 0) {
          c.gotBytes = true;
          if (parse(c, w.current)) {
            complete(selector, w, c.closeAfter);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      fail(w, e);
    }
  }

  private void complete(Selector selector, Worker w, boolean close) {
    Conn c = w.conn;
    Request r = w.current;
    long micros = Math.max(0, (System.nanoTime() - w.started) / 1000);
    c.used = true;
    if (close) {
      c.close();
    }
    driver.answered(r, micros, c.status, c.xCache);
    w.current = null;
    w.target = (w.target + 1) % targets.size();
    begin(selector, w);
  }

  /**
   * A connection that awaits no answer is readable: the server closed it (EOF, a reset) or sent
   * what nobody asked for. Either way it is not reused.
   */
  private static void idleReadable(Worker w, SelectionKey k) {
    for (Conn c : w.conns) {
      if (c != null && c.key == k && !c.closed) {
        c.close();
        return;
      }
    }
    k.cancel();
  }

  private void fail(Worker w, Throwable e) {
    Conn c = w.conn;
    boolean stale = c != null && c.used && !c.gotBytes && !w.retried && !w.connecting
        && !(e instanceof SocketTimeoutException) && e instanceof IOException;
    if (c != null && !c.closed) {
      c.close();
    }
    if (stale && w.current != null) {
      // the server had closed an idle keep-alive connection: once more on a fresh one
      // (idempotent GET; a PUT of an absolute price is idempotent too)
      w.retried = true;
      send(c.key.selector(), w);
      return;
    }
    if (w.current != null) {
      driver.failed(w.current, e);
    }
    w.current = null;
    w.connecting = false;
    w.target = (w.target + 1) % targets.size();
    w.sleeping = true; // the loop begins its next request after the pause
    w.wakeAt = System.nanoTime() + Math.max(0, driver.backoffNanos());
  }

  // ------------------------------------------------------------------------------------------ parsing

  /** Consumes what {@code c.in} holds; true when the answer is complete. */
  private static boolean parse(Conn c, Request r) throws IOException {
    ByteBuffer in = c.in;
    in.flip();
    try {
      if (c.inHead) {
        int end = headEnd(in, c.scanned);
        if (end < 0) {
          c.scanned = Math.max(0, in.limit() - 3);
          if (in.limit() >= MAX_HEAD) {
            throw new IOException("response head over " + MAX_HEAD + " bytes");
          }
          return false;
        }
        head(c, r, in, end);
        in.position(end);
        c.inHead = false;
        if (c.mode == 0) {
          return true;
        }
      }
      while (true) {
        switch (c.mode) {
          case 1 -> {
            long take = Math.min(c.bodyLeft, in.remaining());
            in.position(in.position() + (int) take);
            c.bodyLeft -= take;
            return c.bodyLeft == 0;
          }
          case 3 -> {
            in.position(in.limit());
            return false;
          }
          case 2 -> {
            if (c.inChunkData) {
              long take = Math.min(c.bodyLeft, in.remaining());
              in.position(in.position() + (int) take);
              c.bodyLeft -= take;
              if (c.bodyLeft > 0) {
                return false;
              }
              c.inChunkData = false;
            }
            String line = line(in);
            if (line == null) {
              return false;
            }
            if (c.inTrailers) {
              if (line.isEmpty()) {
                return true;
              }
              continue;
            }
            int semi = line.indexOf(';');
            long size;
            try {
              size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
            } catch (NumberFormatException e) {
              throw new IOException("bad chunk size '" + line + "'");
            }
            if (size == 0) {
              c.inTrailers = true;
            } else {
              c.bodyLeft = size + 2; // the chunk and its CRLF
              c.inChunkData = true;
            }
          }
          default -> throw new IllegalStateException("mode " + c.mode);
        }
      }
    } finally {
      in.compact();
    }
  }

  /** The index just past the blank line that ends the head, or -1. */
  private static int headEnd(ByteBuffer in, int from) {
    for (int i = Math.max(from, in.position()); i + 3 < in.limit(); i++) {
      if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
        return i + 4;
      }
    }
    return -1;
  }

  /** A CRLF-terminated line from {@code in}'s position (consumed), or null if it is not all there. */
  private static String line(ByteBuffer in) {
    for (int i = in.position(); i + 1 < in.limit(); i++) {
      if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
        byte[] b = new byte[i - in.position()];
        in.get(b);
        in.position(i + 2);
        return new String(b, StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static void head(Conn c, Request r, ByteBuffer in, int end) throws IOException {
    byte[] b = new byte[end - in.position()];
    in.get(in.position(), b);
    String head = new String(b, StandardCharsets.ISO_8859_1);
    int eol = head.indexOf("\r\n");
    String status = head.substring(0, eol);
    if (!status.startsWith("HTTP/1.") || status.length() < 12) {
      throw new IOException("not an HTTP response: '" + status + "'");
    }
    int code;
    try {
      code = Integer.parseInt(status.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status line: '" + status + "'");
    }
    long length = -1;
    boolean chunked = false;
    boolean close = status.startsWith("HTTP/1.0");
    String xCache = null;
    int pos = eol + 2;
    while (pos < head.length() - 2) {
      int next = head.indexOf("\r\n", pos);
      int colon = head.indexOf(':', pos);
      if (colon > pos && colon < next) {
        String name = head.substring(pos, colon);
        if (name.equalsIgnoreCase("Content-Length")) {
          length = Long.parseLong(head.substring(colon + 1, next).trim());
        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
          chunked = head.substring(colon + 1, next).toLowerCase(Locale.ROOT).contains("chunked");
        } else if (name.equalsIgnoreCase("Connection")) {
          close = head.substring(colon + 1, next).trim().equalsIgnoreCase("close");
        } else if (name.equalsIgnoreCase("X-Cache")) {
          xCache = head.substring(colon + 1, next).trim();
        }
      }
      pos = next + 2;
    }
    c.status = code;
    c.xCache = xCache;
    c.closeAfter = close;
    boolean noBody = r.method().equals("HEAD") || code == 204 || code == 304 || (code >= 100 && code < 200);
    if (noBody) {
      c.mode = 0;
    } else if (chunked) {
      c.mode = 2;
    } else if (length >= 0) {
      c.mode = length == 0 ? 0 : 1;
      c.bodyLeft = length;
    } else {
      c.mode = 3;
      c.closeAfter = true;
    }
  }
}
