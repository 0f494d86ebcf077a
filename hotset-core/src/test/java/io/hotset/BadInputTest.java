package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.spi.ValueCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear exception naming the value and leaves no broken entry behind. */
class BadInputTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private RegionSpec.Builder<String, String> spec(String name) {
    return RegionSpec.builder(name, String.class, String.class).ttl(Duration.ofMinutes(1));
  }

  @Test
  void nullAndOversizeKeys() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).build()) {
      Region<String, String> region = hotset.region(spec("keys").maxKeyLength(16)
          .loader(k -> {
            loads.incrementAndGet();
            return "v";
          }).build());
      assertThatThrownBy(() -> region.get(null)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("region 'keys'").hasMessageContaining("key must not be null");
      String big = "k".repeat(17);
      assertThatThrownBy(() -> region.get(big)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("17 characters").hasMessageContaining("maxKeyLength=16").hasMessageContaining(big);
      assertThatThrownBy(() -> region.put(big, "v")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> region.getAll(Arrays.asList("a", null))).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> region.invalidateTag("")).isInstanceOf(IllegalArgumentException.class);
      assertThat(loads.get()).isZero();
      assertThat(region.estimatedSize()).isZero();
      assertThat(region.get("ok")).isEqualTo("v");
    }
  }

  @Test
  void aThrowingLoaderNamesTheKeyAndLeavesNothingBehind() {
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).build()) {
      Region<String, String> region = hotset.region(spec("throws").loader(k -> {
        if (loads.incrementAndGet() == 1) {
          throw new java.sql.SQLException("connection refused");
        }
        return "v";
      }).build());
      assertThatThrownBy(() -> region.get("42")).isInstanceOf(LoadFailedException.class)
          .hasMessageContaining("region 'throws'").hasMessageContaining("key '42'")
          .hasMessageContaining("connection refused")
          .hasCauseInstanceOf(java.sql.SQLException.class);
      assertThat(region.getIfPresent("42")).isNull();
      assertThat(region.get("42")).isEqualTo("v");
      assertThat(loads.get()).isEqualTo(2);
    }
  }

  @Test
  void aFailingCodecStoresNothingAndNamesTheValue() {
    InMemoryTier l2 = new InMemoryTier();
    ValueCodec<String> broken = new ValueCodec<>() {
      @Override
      public byte[] encode(String value) {
        if (value.contains("bad")) {
          throw new IllegalStateException("cannot encode " + value);
        }
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).l2(l2).build()) {
      Region<String, String> region = hotset.region(spec("codec").codec(broken).loader(k -> k + "-value").build());
      assertThatThrownBy(() -> region.get("bad")).isInstanceOf(CodecException.class)
          .hasMessageContaining("region 'codec'").hasMessageContaining("key 'bad'")
          .hasMessageContaining("java.lang.String");
      assertThat(region.getIfPresent("bad")).isNull();
      assertThat(l2.data).isEmpty();
      assertThatThrownBy(() -> region.put("x", "bad-too")).isInstanceOf(CodecException.class);
      assertThat(region.getIfPresent("x")).isNull();
      assertThat(region.get("good")).isEqualTo("good-value");
      assertThat(l2.data).containsKey("codec:good");
    }
  }

  @Test
  void undecodableBytesInL2AreAMissAndATierErrorThenACleanReload() {
    InMemoryTier l2 = new InMemoryTier();
    AtomicInteger loads = new AtomicInteger();
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).l2(l2).build()) {
      Region<String, String> region = hotset.region(spec("garbage").loader(k -> {
        loads.incrementAndGet();
        return "fresh";
      }).build());
      l2.data.put("garbage:1", "not an envelope".getBytes(StandardCharsets.UTF_8));
      assertThat(region.get("1")).isEqualTo("fresh");
      assertThat(loads.get()).isEqualTo(1);
      assertThat(registry.get("hotset.tier.errors").tag("tier", "l2").counter().count()).isEqualTo(1);
      assertThat(l2.data.get("garbage:1")).isNotEqualTo("not an envelope".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void contradictoryOrOutOfRangeSpecsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> RegionSpec.builder("r", String.class, String.class)
        .staleWhileRevalidate(Duration.ofSeconds(30)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("staleWhileRevalidate=PT30S").hasMessageContaining("needs a ttl");
    assertThatThrownBy(() -> RegionSpec.builder("r", String.class, String.class).build())
        .hasMessageContaining("ttl is required");
    assertThatThrownBy(() -> spec("r").negativeTtl(Duration.ofMinutes(5)).build())
        .hasMessageContaining("negativeTtl=PT5M").hasMessageContaining("ttl=PT1M");
    assertThatThrownBy(() -> spec("r").ttlJitter(0.7).build()).hasMessageContaining("0.7");
    assertThatThrownBy(() -> spec("r").maximumSize(10).maximumWeight(100).build())
        .hasMessageContaining("maximumSize=10").hasMessageContaining("maximumWeight=100");
    assertThatThrownBy(() -> spec("r").maximumWeight(100).build()).hasMessageContaining("needs a weigher");
    assertThatThrownBy(() -> spec("r").ttl(Duration.ofSeconds(-1)).build()).hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> spec("r").maxConcurrentLoads(0).build()).hasMessageContaining("maxConcurrentLoads");
    assertThatThrownBy(() -> spec("r").earlyRefreshBeta(Double.NaN).build()).hasMessageContaining("NaN");
    assertThatThrownBy(() -> spec("r").refreshAheadFraction(1.0).build()).hasMessageContaining("1.0");
    assertThatThrownBy(() -> spec("bad name!").build()).hasMessageContaining("'bad name!'");
    assertThatThrownBy(() -> RegionSpec.builder("r", StringBuilder.class, String.class).ttl(Duration.ofSeconds(1)).build())
        .hasMessageContaining("java.lang.StringBuilder").hasMessageContaining("keyFormat");
  }

  @Test
  void writesNeedAWriterAndAFailingWriterLeavesTheCachesAlone() {
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).build()) {
      Region<String, String> noWriter = hotset.region(spec("nowriter").loader(k -> "v").build());
      assertThatThrownBy(() -> noWriter.write("k", "x")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("region 'nowriter'").hasMessageContaining("no writer");
      Region<String, String> failing = hotset.region(spec("failing").loader(k -> "cached")
          .writer((k, v) -> {
            throw new java.sql.SQLException("deadlock detected");
          }).build());
      assertThat(failing.get("k")).isEqualTo("cached");
      assertThatThrownBy(() -> failing.write("k", "new")).isInstanceOf(HotsetException.class)
          .hasMessageContaining("key 'k'").hasMessageContaining("deadlock detected");
      assertThat(failing.getIfPresent("k")).as("the source did not change, neither did the cache").isEqualTo("cached");
      assertThatThrownBy(() -> failing.write("k", null)).isInstanceOf(NullPointerException.class);
    }
    assertThatThrownBy(() -> spec("wt").writePolicy(WritePolicy.WRITE_THROUGH).build())
        .hasMessageContaining("WRITE_THROUGH needs version");
  }

  @Test
  void duplicateAndUnknownRegions() {
    try (Hotset hotset = Hotset.builder().meterRegistry(registry).build()) {
      hotset.region(spec("dup").build());
      assertThatThrownBy(() -> hotset.region(spec("dup").build())).hasMessageContaining("'dup' already exists");
      assertThatThrownBy(() -> hotset.invalidate("nope", java.util.List.of("1"), java.util.List.of(), "admin"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown region 'nope'");
      Region<Long, String> longs = hotset.region(RegionSpec.builder("longs", Long.class, String.class)
          .ttl(Duration.ofMinutes(1)).build());
      assertThat(longs.name()).isEqualTo("longs");
      assertThatThrownBy(() -> hotset.invalidate("longs", java.util.List.of("abc"), java.util.List.of(), "admin"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed key 'abc'");
      assertThatThrownBy(() -> longs.get(1L)).isInstanceOf(IllegalStateException.class).hasMessageContaining("no loader");
    }
  }
}
