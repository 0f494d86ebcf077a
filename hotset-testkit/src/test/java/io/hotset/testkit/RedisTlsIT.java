package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.Exec;
import io.hotset.testkit.internal.Resp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

@WithRedis(tls = true)
class RedisTlsIT {

    /** Sends an inline PING over plain TCP and returns whatever comes back before EOF or a 3 s silence. */
    static String plainPing(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(3_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                int c;
                while ((c = in.read()) >= 0) {
                    got.write(c);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // silence or reset: no PONG either way
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void pingOverTlsWithTheGeneratedCa(RedisServer redis) throws Exception {
        assertThat(redis.isTls()).isTrue();
        assertThat(redis.uri()).isEqualTo("rediss://127.0.0.1:" + redis.port());
        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(redis.command("SET", "secure", "yes")).isEqualTo("OK");
        assertThat(redis.command("GET", "secure")).isEqualTo("yes");
        assertThat(redis.command("CONFIG", "GET", "port")).isEqualTo(List.of("port", "0"));
        assertThat(redis.command("CONFIG", "GET", "tls-port")).isEqualTo(List.of("tls-port", Integer.toString(redis.port())));
        assertThat(redis.command("CONFIG", "GET", "tls-auth-clients")).isEqualTo(List.of("tls-auth-clients", "no"));

        assertThat(Files.readString(redis.caCertificate())).startsWith("-----BEGIN CERTIFICATE-----");
        X509Certificate server;
        try (InputStream in = Files.newInputStream(redis.tlsMaterial().certificate())) {
            server = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        server.verify(redis.tlsMaterial().caX509().getPublicKey());
        assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=127.0.0.1");
        List<Object> sans = new java.util.ArrayList<>();
        server.getSubjectAlternativeNames().forEach(san -> sans.add(san.get(1)));
        assertThat(sans).containsExactlyInAnyOrder("127.0.0.1", "localhost");

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(redis.tlsMaterial().trustStore())) {
            trust.load(in, TlsMaterial.TRUST_STORE_PASSWORD.toCharArray());
        }
        assertThat(trust.getCertificate("hotset-testkit-ca")).isEqualTo(redis.tlsMaterial().caX509());
    }

    @Test
    void plainTcpToTheTlsPortGetsNoPong(RedisServer redis) throws IOException {
        assertThat(plainPing(redis.port())).doesNotContain("PONG");
        assertThat(redis.command("PING")).as("the server is still fine").isEqualTo("PONG");
    }

    @Test
    void clientsThatDoNotTrustTheCaAreRejected(RedisServer redis) throws Exception {
        SSLContext jvmDefault = SSLContext.getDefault();
        assertThatThrownBy(() -> new Resp.Connection("127.0.0.1", redis.port(), Duration.ofSeconds(5),
                jvmDefault.getSocketFactory()).close()).isInstanceOf(SSLException.class);
    }

    @Test
    void redisCliTrustsTheCaToo(RedisServer redis) throws IOException {
        Exec.Result r = Exec.run(List.of("redis-cli", "--tls", "--cacert", redis.caCertificate().toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(redis.port()), "PING"), null, null, null, Duration.ofSeconds(20));
        assertThat(r.stdout().trim()).as("stderr: %s", r.stderr()).isEqualTo("PONG");
    }

    @Test
    void restartKeepsTheCertificates(RedisServer redis) throws IOException {
        String ca = Files.readString(redis.caCertificate());
        int port = redis.port();
        redis.kill();
        redis.start();
        assertThat(redis.port()).isEqualTo(port);
        assertThat(Files.readString(redis.caCertificate())).isEqualTo(ca);
        assertThat(redis.command("PING")).isEqualTo("PONG");
    }
}
