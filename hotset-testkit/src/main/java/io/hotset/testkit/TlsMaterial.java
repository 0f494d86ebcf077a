package io.hotset.testkit;

import io.hotset.testkit.internal.Binaries;
import io.hotset.testkit.internal.Exec;
import io.hotset.testkit.internal.Os;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority and a server certificate signed by it, generated with the
 * {@code openssl} command line tool: EC P-256 keys, the server certificate has CN {@code 127.0.0.1} and the
 * subject alternative names {@code IP:127.0.0.1} and {@code DNS:localhost} (usable for server and client
 * authentication), valid for ten years. Also writes a PKCS#12 trust store holding the CA, for clients that
 * want one, and offers a ready {@link SSLContext} that trusts the CA.
 *
 * <p>Nothing here is secret or safe: the keys are unencrypted files in a temp directory.
 */
public final class TlsMaterial {
    /** Password of {@link #trustStore()}. */
    public static final String TRUST_STORE_PASSWORD = "hotset";

    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(60);

    private final Path directory;
    private final Path caCertificate;
    private final Path caKey;
    private final Path certificate;
    private final Path privateKey;
    private final Path trustStore;
    private volatile SSLContext sslContext;

    private TlsMaterial(Path directory) {
        this.directory = directory;
        this.caCertificate = directory.resolve("ca.crt");
        this.caKey = directory.resolve("ca.key");
        this.certificate = directory.resolve("server.crt");
        this.privateKey = directory.resolve("server.key");
        this.trustStore = directory.resolve("truststore.p12");
    }

    /**
     * Generates a CA, a server key and certificate and a trust store into {@code directory} (created if
     * missing; existing files of the same names are overwritten).
     *
     * @throws IllegalStateException if {@code openssl} is not installed
     * @throws UncheckedIOException  if openssl fails (the message holds its output)
     */
    public static TlsMaterial generate(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Path openssl = Os.findSystemTool("openssl").orElseThrow(() -> new IllegalStateException(
                "openssl not found on PATH or in /usr/bin, /bin: it is needed to generate TLS certificates. Run "
                        + Binaries.INSTALL_SCRIPT + " (or apt-get install openssl)."));
        TlsMaterial m = new TlsMaterial(directory.toAbsolutePath());
        try {
            Files.createDirectories(m.directory);
            Path ext = m.directory.resolve("server-ext.cnf");
            Files.writeString(ext, "basicConstraints=critical,CA:FALSE\n"
                    + "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\n"
                    + "subjectAltName=IP:127.0.0.1,DNS:localhost\n", StandardCharsets.US_ASCII);
            Path csr = m.directory.resolve("server.csr");
            String o = openssl.toString();
            m.openssl(List.of(o, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=hotset-testkit throwaway CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout", m.caKey.toString(), "-out", m.caCertificate.toString()));
            m.openssl(List.of(o, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-sha256", "-subj", "/CN=127.0.0.1",
                    "-keyout", m.privateKey.toString(), "-out", csr.toString()));
            m.openssl(List.of(o, "x509", "-req", "-in", csr.toString(), "-CA", m.caCertificate.toString(),
                    "-CAkey", m.caKey.toString(), "-set_serial", Long.toString(System.nanoTime() & Long.MAX_VALUE),
                    "-sha256", "-days", "3650", "-extfile", ext.toString(), "-out", m.certificate.toString()));
            Files.deleteIfExists(csr);
            m.writeTrustStore();
        } catch (IOException e) {
            throw new UncheckedIOException("could not generate TLS material in " + directory + ": " + e.getMessage(), e);
        }
        return m;
    }

    private void openssl(List<String> cmd) throws IOException {
        Exec.Result r = Exec.run(cmd, directory, null, null, OPENSSL_TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("openssl exited with " + r.exitCode() + ": " + String.join(" ", cmd) + "\n"
                    + r.stderr() + r.stdout());
        }
    }

    private void writeTrustStore() throws IOException {
        try {
            KeyStore ks = trustKeyStore();
            try (OutputStream out = Files.newOutputStream(trustStore)) {
                ks.store(out, TRUST_STORE_PASSWORD.toCharArray());
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write trust store " + trustStore + ": " + e.getMessage(), e);
        }
    }

    private KeyStore trustKeyStore() throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("hotset-testkit-ca", caX509());
        return ks;
    }

    /** The CA certificate as a Java object. */
    public X509Certificate caX509() {
        try (InputStream in = Files.newInputStream(caCertificate)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + caCertificate, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot parse " + caCertificate + ": " + e.getMessage(), e);
        }
    }

    /** An {@link SSLContext} (TLS) that trusts only {@link #caCertificate()}; created once. */
    public SSLContext sslContext() {
        SSLContext ctx = sslContext;
        if (ctx == null) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustKeyStore());
                ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot build an SSLContext from " + caCertificate + ": "
                        + e.getMessage(), e);
            }
            sslContext = ctx;
        }
        return ctx;
    }

    /** The directory holding the files. */
    public Path directory() {
        return directory;
    }

    /** The CA certificate (PEM); trust this in clients. */
    public Path caCertificate() {
        return caCertificate;
    }

    /** The CA private key (PEM, unencrypted), e.g. to sign more certificates. */
    public Path caKey() {
        return caKey;
    }

    /** The server certificate (PEM) signed by the CA. */
    public Path certificate() {
        return certificate;
    }

    /** The server private key (PEM, unencrypted). */
    public Path privateKey() {
        return privateKey;
    }

    /** A PKCS#12 trust store holding only the CA certificate; password {@link #TRUST_STORE_PASSWORD}. */
    public Path trustStore() {
        return trustStore;
    }

    @Override
    public String toString() {
        return "TlsMaterial[" + directory + "]";
    }
}
