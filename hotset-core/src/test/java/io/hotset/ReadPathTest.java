package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadPathTest {
  private final FakeTicker ticker = new FakeTicker();

  private Hotset hotset(InMemoryTier l2) {
    Hotset.Builder b = Hotset.builder().ticker(ticker).meterRegistry(new SimpleMeterRegistry()).executor(Runnable::run);
    return (l2 == null ? b : b.l2(l2)).build();
  }

  @Test
  void refreshAheadReloadsEntriesReadInTheLastFractionOfTheirTtl() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = hotset(null)) {
      Region<String, String> region = hotset.region(RegionSpec.builder("ahead", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).earlyRefreshBeta(0).refreshAheadFraction(0.2)
          .loader(k -> "v" + loads.incrementAndGet()).build());
      assertThat(region.get("k")).isEqualTo("v1");
      ticker.advance(Duration.ofSeconds(7)); // before the last 20%
      assertThat(region.get("k")).isEqualTo("v1");
      assertThat(loads.get()).isEqualTo(1);
      ticker.advance(Duration.ofMillis(1_500)); // inside the last 20%: one refresh (direct executor)
      assertThat(region.get("k")).isEqualTo("v1");
      assertThat(loads.get()).isEqualTo(2);
      assertThat(region.get("k")).isEqualTo("v2");
      ticker.advance(Duration.ofSeconds(9)); // the refreshed entry is fresh for a new TTL
      assertThat(region.get("k")).isEqualTo("v2");
    }
  }

  @Test
  void staleIfErrorServesTheOldValueInsideItsWindowOnly() {
    AtomicBoolean failing = new AtomicBoolean();
    try (Hotset hotset = hotset(null)) {
      Region<String, String> region = hotset.region(RegionSpec.builder("sie", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleIfError(Duration.ofSeconds(30))
          .loader(k -> {
            if (failing.get()) {
              throw new IllegalStateException("database down");
            }
            return "v";
          }).build());
      region.get("k");
      failing.set(true);
      ticker.advance(Duration.ofSeconds(15));
      assertThat(region.get("k")).as("expired, loader fails, inside stale-if-error").isEqualTo("v");
      ticker.advance(Duration.ofSeconds(30));
      assertThatThrownBy(() -> region.get("k")).isInstanceOf(LoadFailedException.class)
          .hasMessageContaining("database down");
    }
  }

  @Test
  void anInvalidatedValueIsNeverServedAsStale() {
    AtomicBoolean failing = new AtomicBoolean();
    try (Hotset hotset = hotset(null)) {
      Region<String, String> region = hotset.region(RegionSpec.builder("inv", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).ttlJitter(0).staleIfError(Duration.ofSeconds(30))
          .staleWhileRevalidate(Duration.ofSeconds(30))
          .loader(k -> {
            if (failing.get()) {
              throw new IllegalStateException("database down");
            }
            return "old";
          }).build());
      region.get("k");
      region.invalidate("k");
      failing.set(true);
      ticker.advance(Duration.ofSeconds(15));
      assertThatThrownBy(() -> region.get("k")).isInstanceOf(LoadFailedException.class);
    }
  }

  @Test
  void getAsyncLoadsOnTheExecutorAndSharesTheLoad() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("async", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).loader(k -> {
            loads.incrementAndGet();
            Thread.sleep(50);
            return "v-" + k;
          }).build());
      var a = region.getAsync("k");
      var b = region.getAsync("k");
      assertThat(a.get(5, TimeUnit.SECONDS)).isEqualTo("v-k");
      assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo("v-k");
      assertThat(loads.get()).isEqualTo(1);
      assertThat(region.getAsync("k").isDone()).as("an L1 hit completes immediately").isTrue();
      assertThat(region.getAsync(null)).isCompletedExceptionally();
    }
  }

  @Test
  void getStrongAlwaysReadsTheSourceAndNeverTouchesATier() {
    InMemoryTier l2 = new InMemoryTier();
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = hotset(l2)) {
      Region<String, String> region = hotset.region(RegionSpec.builder("strong", String.class, String.class)
          .ttl(Duration.ofSeconds(10)).loader(k -> "v" + loads.incrementAndGet()).build());
      assertThat(region.getStrong("k")).isEqualTo("v1");
      assertThat(region.getStrong("k")).isEqualTo("v2");
      assertThat(region.getIfPresent("k")).isNull();
      assertThat(l2.data).isEmpty();
      assertThat(region.get("k")).isEqualTo("v3");
      assertThat(region.getStrong("k")).as("not served from L1").isEqualTo("v4");
    }
  }

  @Test
  void anL2HitFillsL1AndSkipsTheLoader() {
    InMemoryTier l2 = new InMemoryTier();
    AtomicInteger loads = new AtomicInteger();
    RegionSpec<String, String> spec = RegionSpec.builder("shared", String.class, String.class)
        .ttl(Duration.ofSeconds(10)).loader(k -> "v" + loads.incrementAndGet()).build();
    try (Hotset a = hotset(l2); Hotset b = hotset(l2)) {
      assertThat(a.region(spec).get("k")).isEqualTo("v1");
      Region<String, String> inB = b.region(spec);
      assertThat(inB.get("k")).isEqualTo("v1");
      assertThat(inB.getIfPresent("k")).isEqualTo("v1");
      assertThat(loads.get()).isEqualTo(1);
    }
  }
}
