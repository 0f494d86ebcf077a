package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Counters;
import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.WriteBehindSink;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's hotset-redis example, run against a real Redis; fails if the README drifts. */
@WithRedis
class ReadmeRedisExampleIT {

  @Test
  void theReadmeExampleRuns(RedisServer server) throws Exception {
    String redisUrl = server.uri();
    // README:start
    HotsetRedis redis = HotsetRedis.builder()
        .url(redisUrl)   // redis://host:6379, rediss://user:pass@host:port, redis-sentinel://host:port#master, or "h:p,h:p" (Cluster)
        .keyPrefix("catalog")
        .build();
    Hotset hotset = Hotset.builder()
        .l2(redis.tier())                          // shared L2 with fleet-wide fill leases
        .invalidationTransport(redis.invalidations())   // every invalidation reaches every process's L1
        .build();
    // README:end
    try (redis; hotset) {
      Region<Long, String> products = hotset.region(RegionSpec.builder("product", Long.class, String.class)
          .ttl(Duration.ofSeconds(60)).loader(id -> "p" + id).build());
      assertThat(products.get(1L)).isEqualTo("p1");
      assertThat(server.command("EXISTS", "catalog:{product:1}")).isEqualTo(1L);
    }

    String source = Files.readString(Path.of("src/test/java/io/hotset/redis/ReadmeRedisExampleIT.java"));
    String snippet = source.substring(source.indexOf("    // README:start\n") + "    // README:start\n".length(),
        source.indexOf("    // README:end\n")).lines()
        .map(line -> line.startsWith("    ") ? line.substring(4) : line.strip())
        .collect(Collectors.joining("\n", "", "\n"));
    assertThat(Files.readString(Path.of("../README.md"))).contains(snippet);
  }

  /** The README's view counter table: a WriteBehindSink, and the count read back as the seed. */
  static final class ViewsTable implements WriteBehindSink<Long, Long> {
    final Map<Long, Long> rows = new HashMap<>();
    final Map<String, Long> checkpoints = new HashMap<>();

    @Override
    public synchronized long appliedThrough(String journalId) {
      return checkpoints.getOrDefault(journalId, 0L);
    }

    @Override
    public synchronized void apply(Map<Long, Long> merged, String journalId, long through) {
      merged.forEach((id, delta) -> rows.merge(id, delta, Long::sum));
      checkpoints.put(journalId, through);
    }

    synchronized long count(Long id) {
      return rows.getOrDefault(id, 0L);
    }
  }

  @Test
  void theCountersExampleRuns(RedisServer server) throws Exception {
    server.flushAll();
    ViewsTable viewsTable = new ViewsTable();
    viewsTable.rows.put(42L, 1_000L);
    String instanceId = "a";
    try (HotsetRedis redis = HotsetRedis.builder().url(server.uri()).keyPrefix("catalog").build()) {
      // README-counters:start
      Counters<Long> views = Counters.open(WriteBehindSpec.counters("views", KeyFormat.standard(Long.class))
          .journal(redis.writeJournal("views-" + instanceId))   // acknowledgement: one stream per process
          .journalId("views-" + instanceId)                      // and its own checkpoint in the source
          .sink(viewsTable)                                      // batched upserts + checkpoint in one transaction
          .seed(viewsTable::count)                               // the source's count, where a running total starts
          .totals(redis.counterTotals("views"))                  // INCRBY catalog:ctr:views:<id>, shared by the fleet
          .deadLetters(redis.deadLetterStream("views"))          // poison records: XADD catalog:dlq:views MAXLEN ~ 100000
          .build());
      long now = views.increment(42L, 1);                        // journaled, then INCRBY: the fleet-wide count
      // README-counters:end
      try (views) {
        assertThat(now).isEqualTo(1_001);
        assertThat(server.command("GET", "catalog:ctr:views:42")).isEqualTo("1001");
        assertThat(views.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(viewsTable.count(42L)).isEqualTo(1_001);
      }
    }

    String source = Files.readString(Path.of("src/test/java/io/hotset/redis/ReadmeRedisExampleIT.java"));
    String snippet = source.substring(source.indexOf("      // README-counters:start\n")
        + "      // README-counters:start\n".length(), source.indexOf("      // README-counters:end\n")).lines()
        .map(line -> line.startsWith("      ") ? line.substring(6) : line.strip())
        .collect(Collectors.joining("\n", "", "\n"));
    assertThat(Files.readString(Path.of("../README.md"))).contains(snippet);
  }
}
