package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VarnishServerTest {
    private static final List<InetSocketAddress> TWO = List.of(
            InetSocketAddress.createUnresolved("127.0.0.1", 8081),
            InetSocketAddress.createUnresolved("10.0.0.2", 9000));

    @Test
    void fillsBackendPlaceholdersIndexedAndUnindexed() {
        String vcl = "backend a { .host = \"${BACKEND_HOST}\"; .port = \"${BACKEND_PORT}\"; }\n"
                + "backend b { .host = \"${BACKEND_HOST_1}\"; .port = \"${BACKEND_PORT_1}\"; } # ${BACKEND_HOST_0}";
        assertThat(VarnishServer.render(vcl, TWO, Map.of())).isEqualTo(
                "backend a { .host = \"127.0.0.1\"; .port = \"8081\"; }\n"
                        + "backend b { .host = \"10.0.0.2\"; .port = \"9000\"; } # 127.0.0.1");
    }

    @Test
    void definedVariablesWinAndDollarSignsInReplacementsStayLiteral() {
        assertThat(VarnishServer.render("x ${GREETING} ${BACKEND_PORT}", TWO, Map.of("GREETING", "$1 \\o/")))
                .isEqualTo("x $1 \\o/ 8081");
    }

    @Test
    void placeholdersWithoutValueAreNamed() {
        assertThatThrownBy(() -> VarnishServer.render("${BACKEND_HOST}:${BACKEND_PORT} ${OTHER}", List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("${BACKEND_HOST}").hasMessageContaining("${BACKEND_PORT}")
                .hasMessageContaining("${OTHER}").hasMessageContaining("backends given: 0");
    }

    @Test
    void textWithoutPlaceholdersIsUnchanged() {
        String vcl = "vcl 4.1; sub vcl_recv { set req.http.x = \"$notaplaceholder {}\"; }";
        assertThat(VarnishServer.render(vcl, List.of(), Map.of())).isEqualTo(vcl);
    }

    @Test
    void parsesVarnishstatOneShotOutput() {
        String out = "MGT.uptime                 12         1.00 Management process uptime\n"
                + "MAIN.cache_hit              3         0.25 Cache hits\n"
                + "MAIN.cache_miss             1          .   Cache misses\n"
                + "garbage line\n\n";
        assertThat(VarnishServer.parseStats(out))
                .containsExactly(Map.entry("MGT.uptime", 12L), Map.entry("MAIN.cache_hit", 3L), Map.entry("MAIN.cache_miss", 1L));
    }

    @Test
    void varnishdLookupExplainsWhatWasTried() {
        assertThatThrownBy(() -> VarnishServer.findVarnishd(Map.of("PATH", "/nonexistent"), Path.of("/nonexistent/varnishd")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(VarnishServer.VARNISHD_ENV)
                .hasMessageContaining("/nonexistent/varnishd")
                .hasMessageContaining("install-test-deps.sh");
        assertThatThrownBy(() -> VarnishServer.findVarnishd(Map.of(VarnishServer.VARNISHD_ENV, "/nope/varnishd"),
                VarnishServer.DEFAULT_VARNISHD))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HOTSET_VARNISHD=/nope/varnishd is not an executable file");
    }

    @Test
    void builderRejectsBadValues() {
        assertThatThrownBy(() -> VarnishServer.builder().backend("127.0.0.1", 0))
                .hasMessageContaining("backend port out of range: 0");
        assertThatThrownBy(() -> VarnishServer.builder().define("BAD NAME", "x"))
                .hasMessageContaining("'BAD NAME'");
    }
}
