package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 2, multi-process: a child JVM holds the fill lease and is killed with kill -9
 * mid-load; after the lease timeout exactly one more load runs and every reader gets a value.
 */
@WithRedis
class DeadLeaseHolderIT {

  @Test
  void killMinus9OfTheLeaseHolderCostsExactlyOneMoreLoad(RedisServer redis) throws Exception {
    redis.flushAll();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        LeaseHolderChild.class.getName(), redis.uri()).redirectErrorStream(true).start();
    ExecutorService pool = Executors.newFixedThreadPool(4 * 250);
    try (Fleet fleet = new Fleet(redis.uri(), 4)) {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = CompletableFuture.supplyAsync(() -> {
        try {
          String l;
          while ((l = out.readLine()) != null && !l.equals("LOADING")) {
            // skip startup output
          }
          return l;
        } catch (Exception e) {
          return null;
        }
      }).get(60, TimeUnit.SECONDS);
      assertThat(line).as("the child took the lease and is loading").isEqualTo("LOADING");
      assertThat(redis.command("EXISTS", "test:{held:k}:lease")).isEqualTo(1L);

      AtomicInteger loads = new AtomicInteger();
      List<Future<String>> results = new ArrayList<>();
      for (Hotset h : fleet.hotsets) {
        Region<String, String> region = h.region(LeaseHolderChildSpec.spec(k -> {
          loads.incrementAndGet();
          return "value";
        }));
        for (int i = 0; i < 250; i++) {
          results.add(pool.submit(() -> region.get("k")));
        }
      }
      Thread.sleep(300); // readers are now waiting on the child's lease
      long killedAt = System.nanoTime();
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("value");
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      System.out.printf("dead lease holder: %d load(s) after kill -9, all 1000 readers served %d ms after it%n",
          loads.get(), tookMs);
      assertThat(loads.get()).as("exactly one more load after the lease timeout").isEqualTo(1);
    } finally {
      child.destroyForcibly();
      pool.shutdownNow();
    }
  }
}
