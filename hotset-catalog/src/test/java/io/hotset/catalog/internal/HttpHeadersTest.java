package io.hotset.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadersTest {

  @Test
  void cacheControlForSharedCaches() {
    assertThat(HttpHeaders.sharedCacheable(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(5)))
        .isEqualTo("public, max-age=60, stale-while-revalidate=30, stale-if-error=300");
    assertThat(HttpHeaders.sharedCacheable(Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO))
        .isEqualTo("public, max-age=5");
  }

  @Test
  void etagFromVersion() {
    assertThat(HttpHeaders.etag(7)).isEqualTo("\"v7\"");
  }

  @Test
  void ifNoneMatchUsesWeakComparison() {
    String etag = HttpHeaders.etag(3);
    assertThat(HttpHeaders.notModified("\"v3\"", etag)).isTrue();
    assertThat(HttpHeaders.notModified("W/\"v3\"", etag)).isTrue();
    assertThat(HttpHeaders.notModified("\"v1\", \"v3\"", etag)).isTrue();
    assertThat(HttpHeaders.notModified("*", etag)).isTrue();
    assertThat(HttpHeaders.notModified("\"v2\"", etag)).isFalse();
    assertThat(HttpHeaders.notModified("\"v33\"", etag)).isFalse();
    assertThat(HttpHeaders.notModified("", etag)).isFalse();
    assertThat(HttpHeaders.notModified(null, etag)).isFalse();
  }

  @Test
  void surrogateKeysAreSpaceSeparated() {
    assertThat(HttpHeaders.surrogateKeys(List.of("product:1", "category:5"))).isEqualTo("product:1 category:5");
  }
}
