package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisCluster;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Acceptance 5: a failover (manual, then a master killed) during reads gives callers no errors. */
@WithRedisCluster(masters = 3, replicasPerMaster = 1)
class ClusterFailoverIT {

  @Test
  void failoversDuringReadsGiveCallersNoErrors(RedisCluster cluster) throws Exception {
    try (Fleet fleet = new Fleet(cluster.seedsCsv(), 2)) {
      List<Region<Long, String>> regions = new ArrayList<>();
      for (Hotset h : fleet.hotsets) {
        regions.add(h.region(RegionSpec.builder("c-fo", Long.class, String.class)
            .ttl(Duration.ofMinutes(10)).l1(false).hotKeyShare(0).maxConcurrentLoads(64)
            .maxLoadWait(Duration.ofSeconds(1)).loader(k -> "v" + k).build()));
      }
      List<Long> keys = new ArrayList<>();
      for (long k = 0; k < 300; k++) {
        keys.add(k);
        regions.get(0).get(k);
      }
      long readsBefore;
      try (ReadLoad load = new ReadLoad(regions, keys, 4)) {
        Thread.sleep(300);
        RedisServer master = cluster.nodeForKey("test:{c-fo:1}");
        RedisServer promoted = cluster.failover(master);
        assertThat(promoted).isNotSameAs(master);
        Thread.sleep(500);
        readsBefore = load.reads.get();
        cluster.nodeForKey("test:{c-fo:2}").kill(); // kill -9 of a master: automatic failover
        cluster.awaitStable();
        Thread.sleep(1_500);
        load.close();
        System.out.printf("cluster failover: %d reads (%d after the kill -9), %d errors%n",
            load.reads.get(), load.reads.get() - readsBefore, load.errors.get());
        assertThat(load.errors.get()).isZero();
        assertThat(load.reads.get()).isGreaterThan(readsBefore);
      }
      // L2 works again after both failovers, once the breaker has closed (while it is open,
      // fills stay in L1: without a lease nothing may fill L2)
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      Object exists = 0L;
      while (System.nanoTime() < deadline) {
        regions.get(1).invalidate(5L);
        assertThat(regions.get(0).get(5L)).isEqualTo("v5");
        exists = cluster.command("EXISTS", "test:{c-fo:5}");
        if (Long.valueOf(1L).equals(exists) && fleet.redis.get(0).health().up()) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(exists).isEqualTo(1L);
      assertThat(fleet.redis.get(0).health().up()).isTrue();
    }
  }
}
