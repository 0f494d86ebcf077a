package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrongRoutePolicyTest {
  private final StrongRoutePolicy policy = StrongRoutePolicy.builder().prefix("/strong/").pattern("/checkout(/.*)?").build();

  /** What a handler on a strong route might write by mistake. */
  private static Map<String, List<String>> cachingHeaders() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("cache-control", new ArrayList<>(List.of("public, max-age=60")));
    h.put("Expires", new ArrayList<>(List.of("Thu, 01 Jan 2099 00:00:00 GMT")));
    h.put("XKey", new ArrayList<>(List.of("product:42")));
    h.put("surrogate-key", new ArrayList<>(List.of("product:42")));
    h.put("Surrogate-Control", new ArrayList<>(List.of("max-age=3600")));
    h.put("ETag", new ArrayList<>(List.of("\"v7\"")));
    h.put("Content-Type", new ArrayList<>(List.of("application/json")));
    return h;
  }

  @Test
  void overridesAHandlersPublicMaxAgeOnAStrongRoute() {
    Map<String, List<String>> headers = cachingHeaders();
    assertThat(policy.enforce("/strong/products/42", headers)).isTrue();
    assertThat(headers).containsOnlyKeys("Cache-Control", "ETag", "Content-Type");
    assertThat(headers.get("Cache-Control")).containsExactly("no-store");
    assertThat(CacheControl.parse(headers.get("Cache-Control").get(0)).isNoStore()).isTrue();
  }

  @Test
  void leavesOtherRoutesAlone() {
    Map<String, List<String>> headers = cachingHeaders();
    assertThat(policy.enforce("/products/42", headers)).isFalse();
    assertThat(headers).isEqualTo(cachingHeaders());
  }

  @Test
  void worksThroughAHeaderSinkLikeAFrameworksAfterHandler() {
    Map<String, String> response = new HashMap<>(Map.of("Cache-Control", "public, max-age=60", "Expires", "x"));
    HeaderSink sink = HeaderSink.of(response::put, response::remove);
    assertThat(policy.enforce("/checkout/pay", sink)).isTrue();
    assertThat(response).containsExactly(Map.entry("Cache-Control", "no-store"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/strong", "/strong/", "/strong/products/42", "/STRONG/products/42", "//strong//x",
      "/strong;jsessionid=1/x", "/x/../strong/y", "/%73trong/x", "/./strong/x", "/strong/x?y=1", "/checkout",
      "/Checkout/pay"})
  void strongPathsErrTowardNoStore(String path) {
    assertThat(policy.isStrong(path)).as(path).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/strongbox", "/products/strong", "/strong-ish/x", "/checkouts", ""})
  void otherPathsAreNotStrong(String path) {
    assertThat(policy.isStrong(path)).as(path).isFalse();
  }

  @Test
  void prefixesAreNormalizedAndValidated() {
    assertThat(StrongRoutePolicy.of("/Strong/", "/a/b//").prefixes()).containsExactly("/strong", "/a/b");
    assertThatThrownBy(() -> StrongRoutePolicy.of("strong/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'strong/'");
    assertThat(StrongRoutePolicy.of("/").isStrong("/anything")).isTrue();
    assertThat(policy.isStrong(null)).isFalse();
  }
}
