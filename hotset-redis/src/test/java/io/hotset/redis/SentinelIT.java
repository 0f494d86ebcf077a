package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisSentinelSetup;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedisSentinel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sentinel: the tier follows the master through a failover, and reads never fail. */
@WithRedisSentinel
class SentinelIT {

  @Test
  void followsTheMasterThroughAFailover(RedisSentinelSetup sentinel) throws Exception {
    try (Fleet fleet = new Fleet(sentinel.sentinelUri(), 1)) {
      Region<Long, String> region = fleet.get(0).region(RegionSpec.builder("s", Long.class, String.class)
          .ttl(Duration.ofMinutes(10)).l1(false).hotKeyShare(0).maxConcurrentLoads(64)
          .maxLoadWait(Duration.ofSeconds(1)).loader(k -> "v" + k).build());
      List<Long> keys = new ArrayList<>();
      for (long k = 0; k < 50; k++) {
        keys.add(k);
        assertThat(region.get(k)).isEqualTo("v" + k);
      }
      RedisServer oldMaster = sentinel.master();
      assertThat(oldMaster.command("EXISTS", "test:{s:1}")).isEqualTo(1L);
      sentinel.awaitReplicaCaughtUp();
      try (ReadLoad load = new ReadLoad(List.of(region), keys, 2)) {
        RedisServer newMaster = sentinel.failover();
        assertThat(newMaster).isNotSameAs(oldMaster);
        Thread.sleep(2_000);
        load.close();
        System.out.printf("sentinel failover: %d reads, %d errors%n", load.reads.get(), load.errors.get());
        assertThat(load.errors.get()).isZero();
      }
      // writes now land on the new master
      region.invalidate(7L);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < deadline) {
        region.invalidate(7L);
        region.get(7L);
        if (Long.valueOf(1L).equals(sentinel.master().command("EXISTS", "test:{s:7}"))) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(sentinel.master().command("EXISTS", "test:{s:7}")).isEqualTo(1L);
    }
  }
}
