package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The backend is only known in {@code @BeforeAll}: the server starts with -b none and gets its VCL then. */
@WithVarnish(params = "default_ttl=30")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VarnishExtensionIT {
    private static VarnishTestOrigin origin;
    private static VarnishServer fromBeforeAll;
    private static long killedPid;

    @BeforeAll
    static void pointAtTheOrigin(VarnishServer varnish) throws IOException {
        origin = new VarnishTestOrigin();
        fromBeforeAll = varnish;
        varnish.loadVcl("vcl 4.1;\nbackend origin { .host = \"127.0.0.1\"; .port = \"" + origin.port() + "\"; }\n");
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @Test
    @Order(1)
    void injectsTheServerWithTheAnnotationsParams(VarnishServer varnish) throws Exception {
        assertThat(varnish).isSameAs(fromBeforeAll);
        assertThat(varnish.params()).containsEntry("default_ttl", "30");
        assertThat(varnish.varnishadm("param.show", "default_ttl")).contains("30.000 [seconds]");
        assertThat(VarnishServerIT.get(varnish.uri("/ext")).statusCode()).isEqualTo(200);
        killedPid = varnish.pid();
        varnish.kill();
    }

    @Test
    @Order(2)
    void restartsAKilledServerWithTheLoadedVcl(VarnishServer varnish) throws Exception {
        assertThat(varnish.isRunning()).isTrue();
        assertThat(varnish.pid()).isNotEqualTo(killedPid);
        assertThat(VarnishServerIT.get(varnish.uri("/ext")).statusCode()).isEqualTo(200);
    }
}
