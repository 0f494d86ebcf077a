package io.hotset.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client for the load workers: one persistent connection per target, owned by
 * one worker thread, blocking I/O, no pooling, no TLS, no redirects. It exists because the
 * generator shares the machine with the system it measures: {@code java.net.http.HttpClient}
 * spends ~180 us of CPU per request here, about as much as the service it drives, which capped
 * every run at the generator's speed. This one reads the status line, the headers it needs
 * ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}, {@code X-Cache}) and
 * discards the body, compressed or not (it is framed by its length either way). Not thread-safe:
 * one instance per thread. The load itself runs on {@link EventLoopWorkers}; this client serves
 * the prewarm, and both build their requests with {@link #request}.
 */
final class RawHttp implements AutoCloseable {
  /** What a request returned. */
  record Response(int status, String xCache) {}

  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final byte[] extraHeaders;
  private final Map<URI, Conn> conns = new HashMap<>();
  private final byte[] buf = new byte[16 * 1024];

  RawHttp(Duration connectTimeout, Duration requestTimeout) {
    this(connectTimeout, requestTimeout, "");
  }

  /** @param acceptEncoding sent as {@code Accept-Encoding} on every request; empty: no such header */
  RawHttp(Duration connectTimeout, Duration requestTimeout, String acceptEncoding) {
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.extraHeaders = acceptEncodingHeader(acceptEncoding);
  }

  private static final class Conn {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final byte[] hostHeader;

    Conn(Socket socket, URI base) throws IOException {
      this.socket = socket;
      this.in = new Input(socket.getInputStream(), 32 * 1024);
      this.out = socket.getOutputStream();
      this.hostHeader = hostHeader(base);
    }
  }

  static int port(URI base) {
    return base.getPort() > 0 ? base.getPort() : 80;
  }

  /** The {@code Host} header line of requests to {@code base}. */
  static byte[] hostHeader(URI base) {
    return ("Host: " + base.getHost() + ":" + port(base) + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** The {@code Accept-Encoding} header line, or nothing for an empty value. */
  static byte[] acceptEncodingHeader(String acceptEncoding) {
    return (acceptEncoding.isEmpty() ? "" : "Accept-Encoding: " + acceptEncoding + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A whole request in one array, so that it goes out in one write: with {@code TCP_NODELAY},
   * separate writes of the request line, the headers and the body go out as separate segments, and
   * the server wakes up (and parses) once for each.
   */
  static byte[] request(String method, String path, byte[] hostHeader, byte[] extraHeaders, String jsonBody) {
    byte[] body = jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8);
    byte[] first = (method + ' ' + path + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] tail = (body == null ? "\r\n"
        : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    int head = first.length + hostHeader.length + extraHeaders.length;
    byte[] out = new byte[head + tail.length + (body == null ? 0 : body.length)];
    System.arraycopy(first, 0, out, 0, first.length);
    System.arraycopy(hostHeader, 0, out, first.length, hostHeader.length);
    System.arraycopy(extraHeaders, 0, out, first.length + hostHeader.length, extraHeaders.length);
    System.arraycopy(tail, 0, out, head, tail.length);
    if (body != null) {
      System.arraycopy(body, 0, out, out.length - body.length, body.length);
    }
    return out;
  }

  /** GET or PUT (with a JSON body) of {@code path} on {@code base}; throws on transport failure. */
  Response send(URI base, String method, String path, String jsonBody) throws IOException {
    Conn c = conns.get(base);
    boolean reused = c != null;
    if (c == null) {
      c = open(base);
    }
    try {
      return exchange(c, base, method, path, jsonBody);
    } catch (IOException e) {
      closeQuietly(base);
      if (reused && !(e instanceof SocketTimeoutException)) {
        // the server may have closed an idle keep-alive connection: one retry on a fresh one
        // (idempotent GET; a PUT of an absolute price is idempotent too)
        c = open(base);
        try {
          return exchange(c, base, method, path, jsonBody);
        } catch (IOException again) {
          closeQuietly(base);
          throw again;
        }
      }
      throw e;
    }
  }

  private Conn open(URI base) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(base.getHost(), port(base)), (int) connectTimeout.toMillis());
      s.setSoTimeout((int) Math.max(1, requestTimeout.toMillis()));
      Conn c = new Conn(s, base);
      conns.put(base, c);
      return c;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private Response exchange(Conn c, URI base, String method, String path, String jsonBody) throws IOException {
    byte[] request = request(method, path, c.hostHeader, extraHeaders, jsonBody);
    c.out.write(request);
    c.out.flush();

    String status = readLine(c.in);
    if (!status.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: '" + status + "'");
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = status.startsWith("HTTP/1.0");
    String xCache = null;
    for (String line = readLine(c.in); !line.isEmpty(); line = readLine(c.in)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon);
      String value = line.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
        chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
      } else if (name.equalsIgnoreCase("Connection")) {
        close = value.equalsIgnoreCase("close");
      } else if (name.equalsIgnoreCase("X-Cache")) {
        xCache = value;
      }
    }
    boolean noBody = method.equals("HEAD") || code == 204 || code == 304 || (code >= 100 && code < 200);
    if (!noBody) {
      if (chunked) {
        while (true) {
          String size = readLine(c.in);
          int semi = size.indexOf(';');
          long n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
          if (n == 0) {
            while (!readLine(c.in).isEmpty()) {
              // trailers
            }
            break;
          }
          skip(c.in, n);
          readLine(c.in);
        }
      } else if (length >= 0) {
        skip(c.in, length);
      } else {
        close = true; // body until EOF
        while (c.in.read(buf) >= 0) {
          // discard
        }
      }
    }
    if (close) {
      closeQuietly(base);
    }
    return new Response(code, xCache);
  }

  private void skip(InputStream in, long n) throws IOException {
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException("connection closed inside a response body");
      }
      n -= r;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed inside a response head");
      }
      if (b == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) b);
      if (sb.length() > 64 * 1024) {
        throw new IOException("response head line over 64 KiB");
      }
    }
  }

  private void closeQuietly(URI base) {
    Conn c = conns.remove(base);
    if (c != null) {
      try {
        c.socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    for (URI base : java.util.List.copyOf(conns.keySet())) {
      closeQuietly(base);
    }
  }

  /**
   * A buffered input without {@link java.io.BufferedInputStream}'s per-call lock: the response
   * head is read a byte at a time, and one worker owns each connection.
   */
  private static final class Input extends InputStream {
    private final InputStream in;
    private final byte[] b;
    private int pos;
    private int end;

    Input(InputStream in, int size) {
      this.in = in;
      this.b = new byte[size];
    }

    private boolean fill() throws IOException {
      int n = in.read(b, 0, b.length);
      if (n <= 0) {
        return false;
      }
      pos = 0;
      end = n;
      return true;
    }

    @Override
    public int read() throws IOException {
      if (pos == end && !fill()) {
        return -1;
      }
      return b[pos++] & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos == end) {
        if (len >= b.length) {
          return in.read(dst, off, len);
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(len, end - pos);
      System.arraycopy(b, pos, dst, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
