package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class VersionedUrlsTest {

  @Test
  void queryStyleAppendsOrReplacesTheVersion() {
    assertThat(VersionedUrls.withQueryVersion("/assets/app.js", "3f9a1c")).isEqualTo("/assets/app.js?v=3f9a1c");
    assertThat(VersionedUrls.withQueryVersion("/products/42?lang=de", 7)).isEqualTo("/products/42?lang=de&v=7");
    assertThat(VersionedUrls.withQueryVersion("/p?v=1&x=2", "2")).isEqualTo("/p?x=2&v=2");
    assertThat(VersionedUrls.withQueryVersion("/p#top", "2")).isEqualTo("/p?v=2#top");
  }

  @Test
  void pathStylePrefixesTheVersion() {
    assertThat(VersionedUrls.withPathVersion("/assets/app.js", "3f9a1c")).isEqualTo("/v/3f9a1c/assets/app.js");
  }

  @Test
  void parseTakesBothStylesApart() {
    assertThat(VersionedUrls.parse("/v/3f9a1c/assets/app.js"))
        .hasValue(new VersionedUrl("3f9a1c", "/assets/app.js", VersionedUrl.Style.PATH));
    assertThat(VersionedUrls.parse("/products/42?lang=de&v=7"))
        .hasValue(new VersionedUrl("7", "/products/42?lang=de", VersionedUrl.Style.QUERY));
    assertThat(VersionedUrls.parse("/assets/app.js?v=abc"))
        .hasValue(new VersionedUrl("abc", "/assets/app.js", VersionedUrl.Style.QUERY));
  }

  @Test
  void parseRoundTripsWhatTheBuildersMade() {
    String q = VersionedUrls.withQueryVersion("/a/b?x=1", "v.1-2_3~");
    assertThat(VersionedUrls.parse(q).orElseThrow().unversioned()).isEqualTo("/a/b?x=1");
    String p = VersionedUrls.withPathVersion("/a/b", "9");
    assertThat(VersionedUrls.parse(p).orElseThrow().version()).isEqualTo("9");
  }

  @Test
  void unversionedOrMalformedUrlsAreNotVersioned() {
    assertThat(VersionedUrls.parse("/assets/app.js")).isEmpty();
    assertThat(VersionedUrls.parse("/assets/app.js?vv=1")).isEmpty();
    assertThat(VersionedUrls.parse("/p?v=")).isEmpty();
    assertThat(VersionedUrls.parse("/p?v=a%20b")).isEmpty();
    assertThat(VersionedUrls.parse("/v/")).isEmpty();
    assertThat(VersionedUrls.parse("relative?v=1")).isEmpty();
    assertThat(VersionedUrls.parse(null)).isEmpty();
  }

  @Test
  void badVersionsAndPathsAreNamed() {
    assertThatThrownBy(() -> VersionedUrls.withQueryVersion("/a", "a b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> VersionedUrls.withPathVersion("/a", ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("''");
    assertThatThrownBy(() -> VersionedUrls.withPathVersion("a", "1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
  }

  @Test
  void versionedResponsesAreImmutableForAYear() {
    CacheControl cc = VersionedUrls.cacheControl();
    assertThat(cc.toHeaderValue()).isEqualTo("public, max-age=31536000, immutable");
    assertThat(cc.maxAge()).hasValue(Duration.ofDays(365));
  }

  @Test
  void aRequestForAnotherVersionIsNotKeptUnderItsUrl() {
    assertThat(VersionedUrls.cacheControlFor("7", "7")).isEqualTo(VersionedUrls.cacheControl());
    assertThat(VersionedUrls.cacheControlFor("6", "7").toHeaderValue()).isEqualTo("no-cache");
    assertThat(VersionedUrls.cacheControlFor(null, "7").toHeaderValue()).isEqualTo("no-cache");
  }

  @Test
  void contentVersionIsAStableHashPrefix() {
    // SHA-256("") = e3b0c442 98fc1c14 ...
    assertThat(VersionedUrls.contentVersion(new byte[0])).isEqualTo("e3b0c44298fc1c14");
    assertThat(VersionedUrls.contentVersion("a")).isEqualTo(VersionedUrls.contentVersion("a")).hasSize(16)
        .isNotEqualTo(VersionedUrls.contentVersion("b"));
  }
}
