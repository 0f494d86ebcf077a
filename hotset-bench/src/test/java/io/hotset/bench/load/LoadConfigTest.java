package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadConfigTest {

  @Test
  void parsesShortAndIsoDurations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(Durations.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(Durations.format(Duration.ofSeconds(60))).isEqualTo("60s");
    for (String bad : new String[] {"", "abc", "10x", "s", "10s garbage", "-5s", "PT-1S"}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parsesHooks() {
    Hook h = Hook.parse("10s=kill -STOP 123 && echo a=b");
    assertThat(h.at()).isEqualTo(Duration.ofSeconds(10));
    assertThat(h.command()).isEqualTo("kill -STOP 123 && echo a=b");
    assertThatThrownBy(() -> Hook.parse("kill -STOP 1")).hasMessageContaining("<time>=<command>");
    assertThatThrownBy(() -> Hook.parse("5s=  ")).hasMessageContaining("must not be empty");
  }

  @Test
  void scenariosSetTheirDefaults() {
    LoadConfig stampede = Scenario.of("mass-expiry").builder().products(1000).ttl(Duration.ofSeconds(20)).build();
    assertThat(stampede.scenario()).isEqualTo("stampede");
    assertThat(stampede.prewarmKeys()).isEqualTo(1000);
    assertThat(stampede.duration()).as("1.25 x TTL").isEqualTo(Duration.ofSeconds(25));
    assertThat(stampede.warmup()).isZero();

    LoadConfig penetration = Scenario.PENETRATION.builder().products(500).build();
    assertThat(penetration.missingShare()).isEqualTo(1.0);
    assertThat(penetration.missingSpace()).isEqualTo(500);

    assertThat(Scenario.of("VIRAL")).isEqualTo(Scenario.HOT_KEY);
    assertThatThrownBy(() -> Scenario.of("nope")).hasMessageContaining("unknown scenario 'nope'")
        .hasMessageContaining("purge-storm");
  }

  @Test
  void acceptEncodingDefaultsToGzipAndRejectsHeaderInjection() {
    assertThat(LoadConfig.builder().build().acceptEncoding()).isEqualTo("gzip");
    assertThat(LoadConfig.builder().acceptEncoding("none").build().acceptEncoding()).isEmpty();
    assertThat(LoadConfig.builder().acceptEncoding(" br, gzip;q=0.5 ").build().acceptEncoding())
        .isEqualTo("br, gzip;q=0.5");
    assertThatThrownBy(() -> LoadConfig.builder().acceptEncoding("gzip\r\nX-Evil: 1").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--accept-encoding")
        .hasMessageContaining("gzip\\r\\nX-Evil");
  }

  @Test
  void phaseNamesFollowTheHooks() {
    LoadConfig.Builder b = LoadConfig.builder().duration(Duration.ofSeconds(30));
    assertThat(b.build().resolvedPhaseNames()).containsExactly("measure");
    b.hook(Hook.parse("20s=true")).hook(Hook.parse("10s=true"));
    LoadConfig two = b.build();
    assertThat(two.resolvedPhaseNames()).containsExactly("before", "during", "after");
    assertThat(two.hooks()).extracting(Hook::at).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20));
    assertThat(b.phaseNames(List.of("up", "down", "back")).build().resolvedPhaseNames())
        .containsExactly("up", "down", "back");
  }

  @Test
  void rejectsBadValuesQuotingThem() {
    assertThatThrownBy(() -> LoadConfig.builder().concurrency(0).build()).hasMessageContaining("was 0");
    assertThatThrownBy(() -> LoadConfig.builder().writeRatio(1.5).build()).hasMessageContaining("was 1.5");
    assertThatThrownBy(() -> LoadConfig.builder().target("ftp://x").build()).hasMessageContaining("'ftp://x'");
    assertThatThrownBy(() -> LoadConfig.builder().keys(LoadConfig.KeyMode.TRACE).build())
        .hasMessageContaining("--trace");
    assertThatThrownBy(() -> LoadConfig.builder().duration(Duration.ofSeconds(5)).hook(Hook.parse("9s=true")).build())
        .hasMessageContaining("hook at 9s is not before the end of the 5s run");
    assertThatThrownBy(() -> Scenario.PURGE_STORM.builder().build()).hasMessageContaining("--admin-token");
    assertThatThrownBy(() -> LoadConfig.KeyMode.parse("random")).hasMessageContaining("'random'");
    assertThat(LoadConfig.builder().target("http://a:1/, http://b:2").build().targets())
        .extracting(Object::toString).containsExactly("http://a:1", "http://b:2");
  }
}
