package io.hotset.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class CatalogFleetTest {
  @Test
  void passesOnlyPrefixedPropertiesAsInstanceEnvironment() {
    Properties p = new Properties();
    p.setProperty("hotset.fleet.env.HOTSET_HTTP_THREADS", "250");
    p.setProperty("hotset.fleet.env.HOTSET_PRODUCT_TTL", "30s");
    p.setProperty("hotset.fleet.env.", "ignored: no name");
    p.setProperty("hotset.fleet", "2");
    p.setProperty("user.home", "/root");
    assertThat(CatalogFleet.envFromProperties(p))
        .containsExactly(java.util.Map.entry("HOTSET_HTTP_THREADS", "250"), java.util.Map.entry("HOTSET_PRODUCT_TTL", "30s"));
  }
}
