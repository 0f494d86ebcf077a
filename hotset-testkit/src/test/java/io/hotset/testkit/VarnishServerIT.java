package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.testkit.internal.ProcessTree;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VarnishServerIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static VarnishTestOrigin origin;

    @BeforeAll
    static void startOrigin() throws IOException {
        origin = new VarnishTestOrigin();
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String vclFor(String extraDeliver) {
        return "vcl 4.1;\n"
                + "backend origin { .host = \"${BACKEND_HOST}\"; .port = \"${BACKEND_PORT}\"; }\n"
                + "sub vcl_deliver { " + extraDeliver + " }\n";
    }

    @Test
    void cachesInFrontOfTheBackendGivenWithDashB() throws Exception {
        try (VarnishServer varnish = VarnishServer.builder().backend("127.0.0.1", origin.port()).start()) {
            assertThat(varnish.vcl()).isNull();
            assertThat(varnish.commandLine()).containsSequence("-b", "127.0.0.1:" + origin.port());
            assertThat(varnish.baseUri()).isEqualTo(URI.create("http://127.0.0.1:" + varnish.port() + "/"));
            int before = origin.requests.get();
            HttpResponse<String> first = get(varnish.uri("/dash-b"));
            HttpResponse<String> second = get(varnish.uri("/dash-b"));
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(second.body()).isEqualTo(first.body());
            assertThat(origin.requests.get() - before).isEqualTo(1);
            assertThat(varnish.awaitCounter("MAIN.cache_hit", 1, Duration.ofSeconds(10))).isEqualTo(1);
            assertThat(varnish.awaitCounter("MAIN.cache_miss", 1, Duration.ofSeconds(10))).isEqualTo(1);
            assertThat(varnish.stats()).containsEntry("MAIN.cache_hit", 1L).containsKey("MAIN.client_req");
            assertThatThrownBy(() -> varnish.awaitCounter("MAIN.cache_hit", 5, Duration.ofMillis(200)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("MAIN.cache_hit is 1");
            assertThatThrownBy(() -> varnish.counter("MAIN.no_such_counter"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAIN.no_such_counter");
        }
    }

    @Test
    void runsTheGivenVclWithPlaceholdersFilledIn() throws Exception {
        try (VarnishServer varnish = VarnishServer.builder()
                .vcl(vclFor("set resp.http.x-greeting = \"${GREETING}\";"))
                .backend("127.0.0.1", origin.port())
                .define("GREETING", "hello")
                .start()) {
            assertThat(varnish.vcl()).contains(".port = \"" + origin.port() + "\"").doesNotContain("${");
            assertThat(Files.readString(varnish.vclFile())).isEqualTo(varnish.vcl());
            HttpResponse<String> r = get(varnish.uri("/vcl"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-greeting")).hasValue("hello");
            assertThat(varnish.varnishadm("status")).contains("running");
            assertThat(varnish.varnishadm("vcl.list")).contains("active");
        }
    }

    @Test
    void banThroughVarnishadmEvicts() throws Exception {
        try (VarnishServer varnish = VarnishServer.builder().backend("127.0.0.1", origin.port()).start()) {
            int before = origin.requests.get();
            get(varnish.uri("/ban/a"));
            get(varnish.uri("/ban/b"));
            varnish.ban("req.url ~ ^/ban/a");
            assertThat(varnish.varnishadm("ban.list")).contains("req.url ~ ^/ban/a");
            get(varnish.uri("/ban/a"));
            get(varnish.uri("/ban/b"));
            assertThat(origin.requests.get() - before).as("a fetched twice, b once").isEqualTo(3);
            assertThatThrownBy(() -> varnish.varnishadm("no.such.command"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no.such.command");
        }
    }

    @Test
    void loadedVclIsActiveAndSurvivesStopKillAndRestart() throws Exception {
        try (VarnishServer varnish = VarnishServer.builder().backend("127.0.0.1", origin.port()).start()) {
            int port = varnish.port();
            String name = varnish.loadVcl(vclFor("set resp.http.x-loaded = \"yes\";"));
            assertThat(varnish.varnishadm("vcl.list")).containsPattern("active\\s+\\S+\\s+\\S+\\s+\\S+\\s+" + name);
            assertThat(get(varnish.uri("/loaded")).headers().firstValue("x-loaded")).hasValue("yes");

            varnish.stop();
            assertThat(varnish.isRunning()).isFalse();
            varnish.start();
            assertThat(varnish.port()).isEqualTo(port);
            assertThat(get(varnish.uri("/loaded")).headers().firstValue("x-loaded")).hasValue("yes");

            long killed = varnish.pid();
            varnish.kill();
            ProcessHandle.of(killed).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
            varnish.start();
            assertThat(varnish.pid()).isNotEqualTo(killed);
            assertThat(get(varnish.uri("/loaded")).headers().firstValue("x-loaded")).hasValue("yes");
        }
    }

    @Test
    void vclThatDoesNotCompileIsReportedWithTheCompilerOutput() throws Exception {
        try (VarnishServer varnish = VarnishServer.builder().backend("127.0.0.1", origin.port()).start()) {
            assertThatThrownBy(() -> varnish.loadVcl("vcl 4.1; this is not vcl"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("VCL compilation failed");
            assertThat(get(varnish.uri("/still-works")).statusCode()).isEqualTo(200);
        }
        Path[] dir = new Path[1];
        assertThatThrownBy(() -> {
            VarnishServer.Builder b = VarnishServer.builder().vcl("vcl 4.1; this is not vcl");
            try (VarnishServer s = b.build()) {
                dir[0] = s.workDir();
                s.start();
            }
        }).isInstanceOf(ServerStartException.class).hasMessageContaining("this is not vcl");
        assertThat(dir[0]).doesNotExist();
    }

    @Test
    void aTakenFixedPortFailsTheStartWithTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            assertThatThrownBy(() -> VarnishServer.builder().port(taken.getLocalPort()).start())
                    .isInstanceOf(ServerStartException.class).hasMessageContaining("Address already in use");
        }
    }

    @Test
    void closeStopsTheProcessTreeAndDeletesTheWorkDir() throws Exception {
        VarnishServer varnish = VarnishServer.builder().start();
        long pid = varnish.pid();
        Path dir = varnish.workDir();
        assertThat(varnish.instanceDir().resolve("_.pid")).exists();
        assertThat(get(varnish.uri("/")).statusCode()).as("-b none answers 503").isEqualTo(503);
        varnish.close();
        ProcessHandle.of(pid).ifPresent(h -> assertThat(ProcessTree.isGone(h)).isTrue());
        assertThat(dir).doesNotExist();
        assertThatThrownBy(varnish::start).isInstanceOf(IllegalStateException.class);
    }
}
