package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The executable jar with no {@code HOTSET_DB_URL}: it starts the embedded PostgreSQL in its data
 * directory (as the {@code postgres} user when the JVM is root), serves, stops it on exit, and the
 * next start reuses the data. Runs {@code target/hotset-catalog.jar} as a child JVM, as a user would.
 */
class EmbeddedDefaultIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path JAR = Path.of("target", "hotset-catalog.jar");

  private Path workDir;
  private Process process;

  @BeforeEach
  void dir() throws IOException {
    workDir = TestDirs.create("catalog-embedded-");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
    TestDirs.delete(workDir);
  }

  @Test
  void startsEmbeddedPostgresAndReusesItsDataOnTheNextStart() throws Exception {
    int port = freePort();
    Started first = start(Map.of("HOTSET_HTTP_PORT", Integer.toString(port), "HOTSET_SEED_PRODUCTS", "50"));
    assertThat(first.output()).contains("creating the embedded PostgreSQL cluster", "seeding an empty catalog");
    Http http = new Http(port);
    HttpResponse<String> r = http.get("/products/1");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(http.put("/products/1", "{\"name\":\"Survives restarts\"}").statusCode()).isEqualTo(200);
    assertThat(Files.exists(workDir.resolve("hotset-data/pgdata/PG_VERSION"))).isTrue();
    stop();
    assertThat(Files.exists(workDir.resolve("hotset-data/pgdata/postmaster.pid")))
        .as("the embedded PostgreSQL is stopped when the service exits").isFalse();

    int port2 = freePort();
    Started second = start(Map.of("HOTSET_HTTP_PORT", Integer.toString(port2), "HOTSET_SEED_PRODUCTS", "50"));
    assertThat(second.output()).doesNotContain("creating the embedded PostgreSQL cluster")
        .doesNotContain("seeding an empty catalog").doesNotContain("extracting PostgreSQL binaries");
    HttpResponse<String> again = new Http(port2).get("/products/1");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(again.body()).get("name").asText()).isEqualTo("Survives restarts");
    stop();
  }

  @Test
  void invalidConfigurationFailsNamingTheVariable() throws Exception {
    ProcessBuilder pb = command(Map.of("HOTSET_PRODUCT_TTL", "forever"));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("HOTSET_PRODUCT_TTL='forever'");
  }

  private record Started(String output) {}

  private Started start(Map<String, String> env) throws Exception {
    ProcessBuilder pb = command(env);
    pb.redirectErrorStream(true);
    process = pb.start();
    StringBuilder out = new StringBuilder();
    AtomicReference<String> ready = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (out) {
            out.append(line).append('\n');
          }
          if (line.contains("ready at http://")) {
            ready.set(line);
          }
        }
      } catch (IOException e) {
        // process ended
      }
    }, "catalog-child-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (ready.get() == null && process.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    synchronized (out) {
      assertThat(ready.get()).as("the service printed its URL; output:\n" + out).isNotNull();
      return new Started(out.toString());
    }
  }

  private void stop() throws InterruptedException {
    process.destroy(); // SIGTERM: the shutdown hook stops HTTP, flushes and stops PostgreSQL
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  private ProcessBuilder command(Map<String, String> env) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toAbsolutePath().toString()))
        .directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("HOTSET_"));
    pb.environment().putAll(env);
    return pb;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
