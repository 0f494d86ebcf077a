package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
