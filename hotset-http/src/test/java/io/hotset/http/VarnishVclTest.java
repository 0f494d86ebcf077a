package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VarnishVclTest {

  @Test
  void theTemplateIsOnTheClasspathWithItsPlaceholders() {
    String vcl = VarnishVcl.template();
    assertThat(vcl).startsWith("vcl 4.1;").contains(VarnishVcl.BACKEND_HOST, VarnishVcl.BACKEND_PORT);
  }

  @Test
  void theVclSpeaksTheSameProtocolAsThePurger() {
    String vcl = VarnishVcl.template();
    assertThat(vcl).contains("req.method == \"" + VarnishVcl.PURGE_METHOD + "\"")
        .contains("req.http." + VarnishVcl.KEYS_HEADER)
        .contains("req.http." + VarnishVcl.URLS_HEADER)
        .contains("resp.http." + VarnishVcl.CACHE_STATUS_HEADER)
        .contains("obj.http." + SurrogateKeys.XKEY_HEADER)
        .contains("beresp.http." + SurrogateKeys.SURROGATE_KEY_HEADER);
  }

  @Test
  void renderFillsTheOrigin() {
    String vcl = VarnishVcl.render("127.0.0.1", 8080);
    assertThat(vcl).contains(".host = \"127.0.0.1\";").contains(".port = \"8080\";").doesNotContain("${");
  }

  @Test
  void renderRejectsWhatCannotBeABackend() {
    assertThatThrownBy(() -> VarnishVcl.render("evil\"; }", 80)).hasMessageContaining("'evil\"; }'");
    assertThatThrownBy(() -> VarnishVcl.render("origin", 0)).hasMessageContaining("was 0");
    assertThatThrownBy(() -> VarnishVcl.render("origin", 65536)).hasMessageContaining("was 65536");
  }
}
