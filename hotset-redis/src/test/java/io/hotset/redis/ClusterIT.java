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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Acceptance 5: the core cases on a real 3-master Redis Cluster, and a slot migration under reads. */
@WithRedisCluster(masters = 3)
class ClusterIT {

  @Test
  void fleetSingleFlightOnACluster(RedisCluster cluster) throws Exception {
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch hold = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4 * 250);
    try (Fleet fleet = new Fleet(cluster.seedsCsv(), 4)) {
      List<Region<String, String>> regions = new ArrayList<>();
      for (Hotset h : fleet.hotsets) {
        regions.add(h.region(RegionSpec.builder("c-hot", String.class, String.class)
            .ttl(Duration.ofSeconds(30)).leaseTtl(Duration.ofSeconds(10))
            .loader(k -> {
              loads.incrementAndGet();
              hold.await(10, TimeUnit.SECONDS);
              return "value";
            }).build()));
      }
      List<Future<String>> results = new ArrayList<>();
      for (Region<String, String> r : regions) {
        for (int i = 0; i < 250; i++) {
          results.add(pool.submit(() -> r.get("k")));
        }
      }
      Thread.sleep(500);
      hold.countDown();
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("value");
      }
      assertThat(loads.get()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void noStaleSetAndCoherenceOnACluster(RedisCluster cluster) throws Exception {
    AtomicReference<String> source = new AtomicReference<>("5");
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    AtomicBoolean block = new AtomicBoolean(true);
    try (Fleet fleet = new Fleet(cluster.seedsCsv(), 2)) {
      RegionSpec<String, String> spec = RegionSpec.builder("c-price", String.class, String.class)
          .ttl(Duration.ofMinutes(10)).loader(id -> {
            String read = source.get();
            if (block.get()) {
              loaded.countDown();
              proceed.await(10, TimeUnit.SECONDS);
            }
            return read;
          }).build();
      Region<String, String> a = fleet.get(0).region(spec);
      Region<String, String> b = fleet.get(1).region(spec);
      CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> a.get("42"));
      assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
      block.set(false);
      source.set("7");
      b.invalidate("42");
      proceed.countDown();
      reader.get(10, TimeUnit.SECONDS);
      assertThat(cluster.command("EXISTS", "test:{c-price:42}")).isEqualTo(0L);
      assertThat(a.get("42")).isEqualTo("7");
      assertThat(b.get("42")).isEqualTo("7");
      // coherence through the cluster-wide broadcast, keys on every master
      long worstMicros = 0;
      for (int i = 0; i < 200; i++) {
        String key = "k" + i;
        b.get(key);
        long t0 = System.nanoTime();
        a.invalidate(key);
        while (b.getIfPresent(key) != null && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
          Thread.onSpinWait();
        }
        assertThat(b.getIfPresent(key)).isNull();
        worstMicros = Math.max(worstMicros, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0));
      }
      System.out.printf("cluster coherence: worst of 200 invalidations %.2f ms%n", worstMicros / 1000.0);
    }
  }

  @Test
  void getAllSpansSlots(RedisCluster cluster) {
    AtomicInteger batches = new AtomicInteger();
    RegionSpec<Long, String> spec = RegionSpec.builder("c-batch", Long.class, String.class)
        .ttl(Duration.ofMinutes(10)).l1(false).hotKeyShare(0)
        .loader(k -> "v" + k)
        .batchLoader(keys -> {
          batches.incrementAndGet();
          Map<Long, String> out = new java.util.HashMap<>();
          keys.forEach(k -> out.put(k, "v" + k));
          return out;
        }).build();
    try (Fleet fleet = new Fleet(cluster.seedsCsv(), 2)) {
      List<Long> keys = new ArrayList<>();
      for (long i = 0; i < 100; i++) {
        keys.add(i);
      }
      Region<Long, String> first = fleet.get(0).region(spec);
      for (Long k : keys) {
        first.get(k); // per-key reads fill L2 under leases (getAll fills L1 only on a leasing tier)
      }
      long mastersWithKeys = cluster.masters().stream().filter(m -> (Long) m.command("DBSIZE") > 0).count();
      assertThat(mastersWithKeys).as("the 100 keys spread over the masters").isEqualTo(3);
      assertThat(fleet.get(1).region(spec).getAll(keys)).hasSize(100);
      assertThat(batches.get()).as("the second process read all 100 from L2 (MGET per slot)").isZero();
    }
  }

  @Test
  void aSlotMigrationDuringReadsGivesCallersNoErrors(RedisCluster cluster) throws Exception {
    AtomicLong reads = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService readers = Executors.newFixedThreadPool(4);
    try (Fleet fleet = new Fleet(cluster.seedsCsv(), 2)) {
      List<Region<Long, String>> regions = new ArrayList<>();
      for (Hotset h : fleet.hotsets) {
        regions.add(h.region(RegionSpec.builder("c-mig", Long.class, String.class)
            .ttl(Duration.ofMinutes(10)).l1(false).hotKeyShare(0).maxConcurrentLoads(64)
            .maxLoadWait(Duration.ofSeconds(1)).loader(k -> "v" + k).build()));
      }
      // find keys that live in one slot, so migrating that slot moves real data under the readers
      int slot = RedisCluster.slotOf("test:{c-mig:1}");
      List<Long> keys = new ArrayList<>();
      for (long k = 0; keys.size() < 20 && k < 2_000_000; k++) {
        if (RedisCluster.slotOf("test:{c-mig:" + k + "}") == slot) {
          keys.add(k);
        }
      }
      for (Long k : keys) {
        regions.get(0).get(k);
      }
      for (int t = 0; t < 4; t++) {
        Region<Long, String> region = regions.get(t % 2);
        readers.execute(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (running.get() && System.nanoTime() < deadline) {
            Long k = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            try {
              if (!("v" + k).equals(region.get(k))) {
                errors.incrementAndGet();
              }
            } catch (RuntimeException e) {
              errors.incrementAndGet();
            }
            reads.incrementAndGet();
          }
        });
      }
      Thread.sleep(300);
      RedisServer from = cluster.nodeForSlot(slot);
      RedisServer to = cluster.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
      int moved = cluster.migrateSlot(slot, to);
      Thread.sleep(1_000);
      running.set(false);
      readers.shutdown();
      assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      System.out.printf("slot migration: %d keys moved, %d reads, %d errors%n", moved, reads.get(), errors.get());
      assertThat(cluster.nodeForSlot(slot)).isSameAs(to);
      assertThat(moved).isPositive();
      assertThat(errors.get()).isZero();
      assertThat(reads.get()).isPositive();
    } finally {
      running.set(false);
      readers.shutdownNow();
    }
  }
}
