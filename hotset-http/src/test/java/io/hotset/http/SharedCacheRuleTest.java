package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedCacheRuleTest {
  private static final CacheControl SHARED = CacheControl.builder().cachePublic().maxAge(Duration.ofSeconds(60))
      .sMaxAge(Duration.ofSeconds(300)).staleWhileRevalidate(Duration.ofSeconds(30)).proxyRevalidate().build();

  @Test
  void anonymousResponsesKeepTheIntendedHeader() {
    assertThat(SharedCacheRule.cacheControlFor(SHARED, false, false)).isSameAs(SHARED);
    assertThat(SharedCacheRule.isUserDependent(false, false)).isFalse();
  }

  @Test
  void authorizedRequestsGetAPrivateHeaderWithoutSharedDirectives() {
    CacheControl cc = SharedCacheRule.cacheControlFor(SHARED, true, false);
    assertThat(cc.toHeaderValue()).isEqualTo("private, max-age=60, stale-while-revalidate=30");
    assertThat(cc.isSharedCacheable()).isFalse();
    assertThat(SharedCacheRule.isUserDependent(true, false)).isTrue();
  }

  @Test
  void authorizedRequestsWithoutAPrivateLifetimeMustRevalidate() {
    CacheControl onlyShared = CacheControl.builder().cachePublic().sMaxAge(Duration.ofSeconds(60)).build();
    assertThat(SharedCacheRule.cacheControlFor(onlyShared, true, false).toHeaderValue()).isEqualTo("private, no-cache");
  }

  @Test
  void aSetCookieResponseIsNeverStored() {
    assertThat(SharedCacheRule.cacheControlFor(SHARED, false, true)).isEqualTo(CacheControl.noStore());
    assertThat(SharedCacheRule.cacheControlFor(SHARED, true, true)).isEqualTo(CacheControl.noStore());
    assertThat(SharedCacheRule.isUserDependent(false, true)).isTrue();
  }

  @Test
  void alreadyPrivateOrNoStoreHeadersStayAsTheyAre() {
    CacheControl priv = CacheControl.privateFor(Duration.ofSeconds(5));
    assertThat(SharedCacheRule.cacheControlFor(priv, true, false)).isSameAs(priv);
    assertThat(SharedCacheRule.cacheControlFor(CacheControl.noStore(), true, false)).isSameAs(CacheControl.noStore());
  }

  @Test
  void readsTheFactsFromHeaderLookups() {
    Map<String, String> request = Map.of("Authorization", "Bearer abc");
    Map<String, String> response = Map.of("Set-Cookie", "sid=1");
    assertThat(SharedCacheRule.cacheControlFor(SHARED, request::get, name -> null).isPrivate()).isTrue();
    assertThat(SharedCacheRule.cacheControlFor(SHARED, name -> null, response::get)).isEqualTo(CacheControl.noStore());
    assertThat(SharedCacheRule.cacheControlFor(SHARED, name -> null, name -> null)).isSameAs(SHARED);
  }
}
