package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CacheControlTest {

  @Test
  void publicForRendersTheSharedCacheableHeader() {
    CacheControl cc = CacheControl.publicFor(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(5));
    assertThat(cc.toHeaderValue()).isEqualTo("public, max-age=60, stale-while-revalidate=30, stale-if-error=300");
    assertThat(cc.isSharedCacheable()).isTrue();
    assertThat(cc.sharedMaxAge()).hasValue(Duration.ofSeconds(60));
  }

  @Test
  void zeroStaleWindowsAreLeftOut() {
    assertThat(CacheControl.publicFor(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO).toHeaderValue())
        .isEqualTo("public, max-age=60");
    assertThat(CacheControl.publicFor(Duration.ofSeconds(10)).toHeaderValue()).isEqualTo("public, max-age=10");
  }

  @Test
  void noStoreAndPrivateFactories() {
    assertThat(CacheControl.noStore().toHeaderValue()).isEqualTo("no-store");
    assertThat(CacheControl.noStore().isSharedCacheable()).isFalse();
    assertThat(CacheControl.privateFor(Duration.ofSeconds(5)).toHeaderValue()).isEqualTo("private, max-age=5");
    assertThat(CacheControl.privateFor(Duration.ofSeconds(5)).isSharedCacheable()).isFalse();
    assertThat(CacheControl.empty().toHeaderValue()).isEmpty();
  }

  @Test
  void builderRendersEveryDirectiveInAFixedOrder() {
    CacheControl cc = CacheControl.builder()
        .extension("community", "UCI")
        .staleIfError(Duration.ofSeconds(4))
        .staleWhileRevalidate(Duration.ofSeconds(3))
        .immutable()
        .noTransform()
        .proxyRevalidate()
        .mustRevalidate()
        .sMaxAge(Duration.ofSeconds(2))
        .maxAge(Duration.ofSeconds(1))
        .noStore()
        .noCache()
        .cachePublic()
        .extension("x-note", "two words")
        .extension("bare", null)
        .build();
    assertThat(cc.toHeaderValue()).isEqualTo("public, no-cache, no-store, max-age=1, s-maxage=2, must-revalidate, "
        + "proxy-revalidate, no-transform, immutable, stale-while-revalidate=3, stale-if-error=4, community=UCI, "
        + "x-note=\"two words\", bare");
  }

  @Test
  void negativeDurationsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> CacheControl.publicFor(Duration.ofSeconds(-5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAge must not be negative, was PT-5S");
    assertThatThrownBy(() -> CacheControl.publicFor(Duration.ofSeconds(1), Duration.ofMillis(-1), Duration.ZERO))
        .hasMessage("staleWhileRevalidate must not be negative, was PT-0.001S");
    assertThatThrownBy(() -> CacheControl.builder().staleIfError(Duration.ofDays(-1)))
        .hasMessage("staleIfError must not be negative, was PT-24H");
    assertThatThrownBy(() -> CacheControl.builder().sMaxAge(Duration.ofSeconds(-2)))
        .hasMessage("sMaxAge must not be negative, was PT-2S");
  }

  @Test
  void publicAndPrivateTogetherAreRejectedByTheBuilder() {
    assertThatThrownBy(() -> CacheControl.builder().cachePublic().cachePrivate().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("public and private");
  }

  @Test
  void extensionsMayNotShadowStandardDirectivesOrBeMalformed() {
    assertThatThrownBy(() -> CacheControl.builder().extension("Max-Age", "5"))
        .hasMessageContaining("'max-age' is a standard directive");
    assertThatThrownBy(() -> CacheControl.builder().extension("bad name", null))
        .hasMessageContaining("'bad name'");
  }

  @Test
  void subSecondDurationsRoundDownAndHugeOnesAreCapped() {
    assertThat(CacheControl.publicFor(Duration.ofMillis(1999)).toHeaderValue()).isEqualTo("public, max-age=1");
    assertThat(CacheControl.publicFor(Duration.ofMillis(999)).toHeaderValue()).isEqualTo("public, max-age=0");
    assertThat(CacheControl.publicFor(Duration.ofDays(365 * 200)).toHeaderValue())
        .isEqualTo("public, max-age=2147483648");
  }

  @Test
  void parseIsTolerantOfWhitespaceCaseAndEmptyMembers() {
    CacheControl cc = CacheControl.parse("  PUBLIC ,, Max-Age = 60 ,\tStale-While-Revalidate=30,  ");
    assertThat(cc.isPublic()).isTrue();
    assertThat(cc.maxAge()).hasValue(Duration.ofSeconds(60));
    assertThat(cc.staleWhileRevalidate()).hasValue(Duration.ofSeconds(30));
    assertThat(cc.extensions()).isEmpty();
  }

  @Test
  void parseKeepsUnknownDirectivesAndAcceptsQuotedArguments() {
    CacheControl cc = CacheControl.parse("max-age=\"60\", community=\"UCI, Irvine\", foo, s-maxage=5");
    assertThat(cc.maxAge()).hasValue(Duration.ofSeconds(60));
    assertThat(cc.sMaxAge()).hasValue(Duration.ofSeconds(5));
    assertThat(cc.extensions()).containsExactly(Map.entry("community", "UCI, Irvine"), entry("foo", null));
    assertThat(cc.toHeaderValue()).isEqualTo("max-age=60, s-maxage=5, community=\"UCI, Irvine\", foo");
  }

  private static Map.Entry<String, String> entry(String k, String v) {
    return new java.util.AbstractMap.SimpleEntry<>(k, v);
  }

  @Test
  void invalidFreshnessIsReadAsStaleAndInvalidStaleWindowsAreIgnored() {
    // RFC 9111 §4.2.1: treat invalid freshness information as stale.
    CacheControl cc = CacheControl.parse("max-age=abc, s-maxage=-1, stale-while-revalidate=soon, stale-if-error");
    assertThat(cc.maxAge()).hasValue(Duration.ZERO);
    assertThat(cc.sMaxAge()).hasValue(Duration.ZERO);
    assertThat(cc.staleWhileRevalidate()).isEmpty();
    assertThat(cc.staleIfError()).isEmpty();
    assertThat(CacheControl.parse("max-age").maxAge()).hasValue(Duration.ZERO);
  }

  @Test
  void theFirstOccurrenceOfARepeatedDirectiveWins() {
    assertThat(CacheControl.parse("max-age=10, max-age=99999").maxAge()).hasValue(Duration.ofSeconds(10));
  }

  @Test
  void deltaSecondsBeyondTwoToTheThirtyOneAreCapped() {
    assertThat(CacheControl.parse("max-age=99999999999999999999999").maxAge())
        .hasValue(Duration.ofSeconds(2147483648L));
  }

  @Test
  void conflictingPublicAndPrivateParseAsPrivate() {
    CacheControl cc = CacheControl.parse("public, private, max-age=60");
    assertThat(cc.isPrivate()).isTrue();
    assertThat(cc.isPublic()).isFalse();
  }

  @Test
  void qualifiedPrivateAndNoCacheApplyToTheWholeResponse() {
    CacheControl cc = CacheControl.parse("private=\"Set-Cookie, X-User\", no-cache=\"Set-Cookie\"");
    assertThat(cc.isPrivate()).isTrue();
    assertThat(cc.isNoCache()).isTrue();
    assertThat(cc.toHeaderValue()).isEqualTo("private, no-cache");
  }

  @Test
  void nullOrBlankParsesAsEmptyAndSeveralFieldLinesAsOneList() {
    assertThat(CacheControl.parse((String) null)).isEqualTo(CacheControl.empty());
    assertThat(CacheControl.parse("   ")).isEqualTo(CacheControl.empty());
    assertThat(CacheControl.parse(List.of("public", "max-age=5"))).isEqualTo(CacheControl.publicFor(Duration.ofSeconds(5)));
  }

  static Stream<CacheControl> values() {
    return Stream.of(
        CacheControl.empty(),
        CacheControl.noStore(),
        CacheControl.publicFor(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(300)),
        CacheControl.privateFor(Duration.ZERO),
        CacheControl.builder().noCache().mustRevalidate().build(),
        CacheControl.builder().cachePublic().maxAge(Duration.ofDays(365)).immutable().build(),
        CacheControl.builder().sMaxAge(Duration.ofSeconds(1)).proxyRevalidate().noTransform().build(),
        CacheControl.builder().extension("a", "b c").extension("d", "\"q\\\"").extension("e", "").build());
  }

  @ParameterizedTest
  @MethodSource("values")
  void parseOfTheRenderedValueRoundTrips(CacheControl cc) {
    assertThat(CacheControl.parse(cc.toHeaderValue())).isEqualTo(cc).hasSameHashCodeAs(cc);
    assertThat(cc.toBuilder().build()).isEqualTo(cc);
  }

  @ParameterizedTest
  @ValueSource(strings = {"no-store", "private", "no-cache", "public, no-cache", "no-store, max-age=60"})
  void responsesThatMustNotBeSharedAreNotSharedCacheable(String header) {
    assertThat(CacheControl.parse(header).isSharedCacheable()).isFalse();
  }

  @Test
  void sharedMaxAgePrefersSMaxAge() {
    assertThat(CacheControl.parse("max-age=60, s-maxage=10").sharedMaxAge()).hasValue(Duration.ofSeconds(10));
    assertThat(CacheControl.parse("public").sharedMaxAge()).isEmpty();
  }

  @Test
  void builderMethodsWithNullRemoveTheDirective() {
    CacheControl cc = CacheControl.publicFor(Duration.ofSeconds(5)).toBuilder().maxAge(null).build();
    assertThat(cc.toHeaderValue()).isEqualTo("public");
  }
}
