package io.hotset.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Minimal RESP2 client: encodes a command as an array of bulk strings and parses one reply into
 * {@code String} (simple and bulk strings), {@code Long}, {@code List<Object>}, {@code null} or {@link Error}.
 * Not API.
 */
public final class Resp {
    private static final int MAX_BULK = 512 * 1024 * 1024;

    private Resp() {
    }

    /** An error reply ({@code -ERR ...}); the message is without the leading {@code -}. */
    public static final class Error {
        private final String message;

        /** An error reply with this message. */
        public Error(String message) {
            this.message = message;
        }

        /** The error message, e.g. {@code "ERR unknown command 'FOO'"}. */
        public String message() {
            return message;
        }

        @Override
        public String toString() {
            return "-" + message;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Error && ((Error) o).message.equals(message);
        }

        @Override
        public int hashCode() {
            return message.hashCode();
        }
    }

    /** Encodes {@code args} as a RESP array of bulk strings (UTF-8). */
    public static byte[] encode(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeAscii(out, "*" + args.length + "\r\n");
        for (String arg : args) {
            if (arg == null) {
                throw new IllegalArgumentException("null argument in Redis command");
            }
            byte[] b = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(out, "$" + b.length + "\r\n");
            out.write(b, 0, b.length);
            writeAscii(out, "\r\n");
        }
        return out.toByteArray();
    }

    private static void writeAscii(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
    }

    /** Reads exactly one reply from {@code in}. */
    public static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before a reply was received");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return parseLong(line);
            case '$': {
                long len = parseLong(line);
                if (len < 0) {
                    return null;
                }
                if (len > MAX_BULK) {
                    throw new IOException("bulk string too long: " + len);
                }
                byte[] data = in.readNBytes((int) len);
                if (data.length != len) {
                    throw new EOFException("connection closed in the middle of a bulk string");
                }
                expectCrlf(in);
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                long n = parseLong(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>((int) Math.min(n, 1024));
                for (long i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unsupported RESP reply type '" + (char) type + "' (only RESP2 is supported)");
        }
    }

    private static long parseLong(String s) throws IOException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("malformed RESP integer: " + s, e);
        }
    }

    private static void expectCrlf(InputStream in) throws IOException {
        if (in.read() != '\r' || in.read() != '\n') {
            throw new IOException("malformed RESP reply: missing CRLF after bulk string");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed in the middle of a reply");
            }
            if (c == '\r') {
                int n = in.read();
                if (n != '\n') {
                    throw new IOException("malformed RESP reply: CR not followed by LF");
                }
                return buf.toString(StandardCharsets.UTF_8);
            }
            buf.write(c);
        }
    }

    /** One TCP connection to a Redis server; send commands one at a time with {@link #call}. */
    public static final class Connection implements Closeable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        /** Connects to {@code host:port}, using {@code timeout} for connect and for each read. */
        public Connection(String host, int port, Duration timeout) throws IOException {
            this(host, port, timeout, null);
        }

        /**
         * Connects to {@code host:port}, over TLS when {@code tls} is not null (the server certificate must
         * match {@code host}: hostname verification is on), using {@code timeout} for connect, the TLS
         * handshake and each read.
         */
        public Connection(String host, int port, Duration timeout, SSLSocketFactory tls) throws IOException {
            Socket plain = new Socket();
            Socket s = plain;
            try {
                plain.setTcpNoDelay(true);
                plain.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                plain.setSoTimeout((int) timeout.toMillis());
                if (tls != null) {
                    SSLSocket ssl = (SSLSocket) tls.createSocket(plain, host, port, true);
                    s = ssl;
                    SSLParameters params = ssl.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(params);
                    ssl.setUseClientMode(true);
                    ssl.startHandshake();
                }
                socket = s;
                in = new BufferedInputStream(s.getInputStream());
                out = s.getOutputStream();
            } catch (IOException | RuntimeException e) {
                s.close();
                plain.close();
                throw e;
            }
        }

        /** Sends one command and returns its parsed reply (an {@link Error} for error replies). */
        public Object call(String... args) throws IOException {
            out.write(encode(args));
            out.flush();
            return read(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
