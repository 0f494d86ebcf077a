package io.hotset.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Allocates free TCP ports on 127.0.0.1 by binding port 0 and closing the socket again. A port is never
 * handed out twice by the same JVM; another process can still grab it before the server binds it, which
 * is why {@link ServerProcess} retries a first start with a new port when the bind fails.
 */
public final class FreePorts {
    /** The loopback address all servers bind to. */
    public static final String LOOPBACK = "127.0.0.1";

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int ATTEMPTS = 100;

    private FreePorts() {
    }

    /**
     * Returns a port that was free on 127.0.0.1 a moment ago and that this JVM has not handed out before.
     *
     * @throws UncheckedIOException if no port could be bound
     */
    public static int next() {
        IOException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0), 1);
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not allocate a free port on " + LOOPBACK,
                last != null ? last : new IOException("every port offered was already handed out"));
    }
}
