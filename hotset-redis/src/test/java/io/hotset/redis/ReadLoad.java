package io.hotset.redis;

import io.hotset.Region;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A bounded background read load that counts wrong answers and exceptions (errors to callers). */
final class ReadLoad implements AutoCloseable {
  final AtomicLong reads = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService pool;

  ReadLoad(List<Region<Long, String>> regions, List<Long> keys, int threads) {
    pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      Region<Long, String> region = regions.get(t % regions.size());
      pool.execute(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
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
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    pool.shutdown();
    if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
      pool.shutdownNow();
    }
  }
}
