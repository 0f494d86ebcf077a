package io.hotset.writebehind;

import io.hotset.WriteBehind;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.KeyFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A separate JVM that acknowledges 10,000 writes (counters and values), says so, and waits to be killed. */
public final class WriteBehindChild {
  static final int N = 10_000;

  private WriteBehindChild() {}

  static WriteBehind<String, Long> counters(String url, Path dir, long delay) {
    return WriteBehind.open(WriteBehindSpec.counters("views", KeyFormat.standard(String.class))
        .sink(new PgSink(url, "wb_counter", true, delay)).journalDirectory(dir).meterRegistry(new SimpleMeterRegistry())
        .flushInterval(Duration.ofMillis(200)).maxBatch(200).build());
  }

  static WriteBehind<String, Long> values(String url, Path dir, long delay) {
    return WriteBehind.open(WriteBehindSpec.builder("prices", KeyFormat.standard(String.class),
            new io.hotset.spi.ValueCodec<Long>() {
              @Override
              public byte[] encode(Long v) {
                return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
              }

              @Override
              public Long decode(byte[] b) {
                return Long.parseLong(new String(b, java.nio.charset.StandardCharsets.US_ASCII));
              }
            })
        .sink(new PgSink(url, "wb_value", false, delay)).journalDirectory(dir).meterRegistry(new SimpleMeterRegistry())
        .flushInterval(Duration.ofMillis(200)).maxBatch(200).build());
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Path dir = Path.of(args[1]);
    WriteBehind<String, Long> views = counters(url, dir, 40);
    WriteBehind<String, Long> prices = values(url, dir, 40);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    int perThread = N / 20;
    for (int t = 0; t < 20; t++) {
      int from = t * perThread;
      pool.execute(() -> {
        for (int i = from; i < from + perThread; i++) {
          if (i % 2 == 0) {
            views.write("c" + (i % 100), 1L); // 5,000 increments over c0, c2, ..., c98: 100 each
          } else {
            prices.write("v" + (i % 1000), (long) i); // values: the last write of each key wins
          }
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(5, TimeUnit.MINUTES);
    System.out.println("ACKED " + N + " pending=" + (views.pending() + prices.pending()));
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
