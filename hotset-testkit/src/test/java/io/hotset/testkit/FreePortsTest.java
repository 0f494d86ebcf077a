package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portIsFreeOnLoopbackAndCanBeBoundRightAway() throws IOException {
        int port = FreePorts.next();
        assertThat(port).isBetween(1, 65535);
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void neverHandsOutTheSamePortTwice() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertThat(ports.add(FreePorts.next())).as("port handed out twice: %s", ports).isTrue();
        }
        assertThat(ports).hasSize(50);
    }

    @Test
    void loopbackIsIpv4Localhost() {
        assertThat(FreePorts.LOOPBACK).isEqualTo("127.0.0.1");
    }
}
