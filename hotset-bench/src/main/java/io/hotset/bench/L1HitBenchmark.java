package io.hotset.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The L1-hit read of a region against the raw library it is built on, in the same run:
 * {@code region.get(key)} vs Caffeine's {@code getIfPresent} with {@code expireAfterWrite},
 * on Zipf(0.99) keys that are all cached. The region runs as in production: metrics on
 * (a Micrometer registry), default jitter and XFetch; {@code hotset-nometrics} is the same
 * region with a no-op registry, to show what the per-read counter costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class L1HitBenchmark {
  static final int ITEMS = 10_000;
  static final int SAMPLES = 1 << 20;
  static final int MASK = SAMPLES - 1;

  @Param({"caffeine", "hotset", "hotset-nometrics"})
  public String cache;

  Long[] keys;
  boolean raw;
  Cache<Long, String> caffeine;
  Hotset hotset;
  Region<Long, String> region;

  @Setup(Level.Trial)
  public void setUp() {
    int[] samples = new ZipfKeys(ITEMS, 0.99, 1).samples(SAMPLES, 2);
    Long[] boxed = new Long[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      boxed[i] = (long) i;
    }
    keys = new Long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      keys[i] = boxed[samples[i]];
    }
    raw = cache.equals("caffeine");
    if (raw) {
      caffeine = Caffeine.newBuilder().maximumSize(2 * ITEMS).expireAfterWrite(Duration.ofHours(1)).build();
      for (Long k : boxed) {
        caffeine.put(k, "value-" + k);
      }
    } else {
      hotset = Hotset.builder().meterRegistry(cache.equals("hotset") ? new SimpleMeterRegistry()
          : new io.micrometer.core.instrument.composite.CompositeMeterRegistry()).build();
      region = hotset.region(RegionSpec.builder("bench", Long.class, String.class)
          .maximumSize(2 * ITEMS).ttl(Duration.ofHours(1))
          .loader(k -> "value-" + k).build());
      for (Long k : boxed) {
        region.get(k);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (hotset != null) {
      hotset.close();
    }
  }

  /** Each thread walks the sample array from its own offset. */
  @State(Scope.Thread)
  public static class Cursor {
    int index = (int) (Thread.currentThread().getId() * 0x9E3779B9L) & MASK;
  }

  private String read(Cursor cursor) {
    Long key = keys[cursor.index++ & MASK];
    return raw ? caffeine.getIfPresent(key) : region.get(key);
  }

  @Benchmark
  @Threads(1)
  public String read_1thread(Cursor cursor) {
    return read(cursor);
  }

  @Benchmark
  @Threads(2)
  public String read_2threads(Cursor cursor) {
    return read(cursor);
  }
}
