package io.hotset.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogConfigTest {

  @Test
  void defaultsMatchTheContract() {
    CatalogConfig c = CatalogConfig.fromEnvironment(Map.of());
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.dbUrl()).isEmpty();
    assertThat(c.redisUrl()).isEmpty();
    assertThat(c.edgePurgeUrl()).isEmpty();
    assertThat(c.adminToken()).isEmpty();
    assertThat(c.productTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.seedProducts()).isEqualTo(10_000);
    assertThat(c.cacheEnabled()).isTrue();
    assertThat(c.dataDir()).isEqualTo(Path.of("hotset-data").toAbsolutePath());
    assertThat(c.replicaUrls()).isEmpty();
    assertThat(c.httpThreads()).isEqualTo(Math.max(16, 8 * Runtime.getRuntime().availableProcessors()));
  }

  @Test
  void readsEveryVariable() {
    CatalogConfig c = CatalogConfig.fromEnvironment(Map.ofEntries(
        Map.entry("HOTSET_HTTP_PORT", "9090"),
        Map.entry("HOTSET_DB_URL", "jdbc:postgresql://db:5432/catalog"),
        Map.entry("HOTSET_DB_USER", "app"),
        Map.entry("HOTSET_DB_PASSWORD", ""),
        Map.entry("HOTSET_DB_REPLICA_URLS", "jdbc:postgresql://r1/catalog, jdbc:postgresql://r2/catalog"),
        Map.entry("HOTSET_REDIS_URL", "redis://cache:6379"),
        Map.entry("HOTSET_EDGE_PURGE_URL", "http://varnish:6081/"),
        Map.entry("HOTSET_ADMIN_TOKEN", "t0ken"),
        Map.entry("HOTSET_PRODUCT_TTL", "PT90S"),
        Map.entry("HOTSET_SEED_PRODUCTS", "0"),
        Map.entry("HOTSET_CACHE", "OFF"),
        Map.entry("HOTSET_DATA_DIR", "/var/lib/catalog"),
        Map.entry("HOTSET_HTTP_THREADS", "48")));
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.dbUrl()).contains("jdbc:postgresql://db:5432/catalog");
    assertThat(c.dbUser()).contains("app");
    assertThat(c.dbPassword()).as("empty password = none").isEmpty();
    assertThat(c.replicaUrls()).containsExactly("jdbc:postgresql://r1/catalog", "jdbc:postgresql://r2/catalog");
    assertThat(c.redisUrl()).contains("redis://cache:6379");
    assertThat(c.edgePurgeUrl()).hasValueSatisfying(u -> assertThat(u.getHost()).isEqualTo("varnish"));
    assertThat(c.adminToken()).contains("t0ken");
    assertThat(c.productTtl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.seedProducts()).isZero();
    assertThat(c.cacheEnabled()).isFalse();
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/catalog"));
    assertThat(c.httpThreads()).isEqualTo(48);
    assertThat(c.toString()).doesNotContain("t0ken");
  }

  @Test
  void ttlTakesIsoAndShortForms() {
    assertThat(ttl("60s")).isEqualTo(Duration.ofSeconds(60));
    assertThat(ttl("PT2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(ttl("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(ttl("1500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(ttl("1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void invalidValuesNameTheVariableAndValue() {
    assertInvalid("HOTSET_HTTP_PORT", "eighty", "HOTSET_HTTP_PORT='eighty'");
    assertInvalid("HOTSET_HTTP_PORT", "70000", "HOTSET_HTTP_PORT='70000'");
    assertInvalid("HOTSET_PRODUCT_TTL", "soon", "HOTSET_PRODUCT_TTL='soon'");
    assertInvalid("HOTSET_PRODUCT_TTL", "0s", "HOTSET_PRODUCT_TTL='0s'");
    assertInvalid("HOTSET_SEED_PRODUCTS", "-1", "HOTSET_SEED_PRODUCTS='-1'");
    assertInvalid("HOTSET_CACHE", "maybe", "HOTSET_CACHE='maybe'");
    assertInvalid("HOTSET_HTTP_THREADS", "many", "HOTSET_HTTP_THREADS='many' is not an integer");
    assertInvalid("HOTSET_HTTP_THREADS", "4", "HOTSET_HTTP_THREADS='4' must be between 8 and 10000");
    assertInvalid("HOTSET_DB_URL", "postgres://db/x", "HOTSET_DB_URL='postgres://db/x'");
    assertInvalid("HOTSET_DB_REPLICA_URLS", "jdbc:postgresql://r1/x,mysql://r2", "HOTSET_DB_REPLICA_URLS=");
    assertInvalid("HOTSET_REDIS_URL", "http://cache", "HOTSET_REDIS_URL='http://cache'");
    assertInvalid("HOTSET_EDGE_PURGE_URL", "varnish", "HOTSET_EDGE_PURGE_URL='varnish'");
    assertInvalid("HOTSET_ADMIN_TOKEN", "   ", "HOTSET_ADMIN_TOKEN");
  }

  @Test
  void credentialsAreMaskedInErrors() {
    assertThatThrownBy(() -> CatalogConfig.fromEnvironment(Map.of("HOTSET_DB_URL", "pg://db/x?password=hunter2")))
        .hasMessageContaining("HOTSET_DB_URL").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> CatalogConfig.fromEnvironment(Map.of("HOTSET_REDIS_URL", "http://u:hunter2@cache")))
        .hasMessageContaining("HOTSET_REDIS_URL").hasMessageNotContaining("hunter2");
  }

  private static Duration ttl(String v) {
    return CatalogConfig.fromEnvironment(Map.of("HOTSET_PRODUCT_TTL", v)).productTtl();
  }

  private static void assertInvalid(String variable, String value, String expected) {
    assertThatThrownBy(() -> CatalogConfig.fromEnvironment(Map.of(variable, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
  }
}
