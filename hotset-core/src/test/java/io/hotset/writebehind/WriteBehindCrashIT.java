package io.hotset.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.WriteBehind;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.WithPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 acceptance 2: a child JVM acknowledges 10,000 writes (counters and values) and is
 * killed with kill -9 mid-flush; a new process replays, and the source (a real PostgreSQL)
 * holds every acknowledged write exactly once, counters exact.
 */
@WithPostgres
class WriteBehindCrashIT {

  @Test
  void killMinus9MidFlushLosesNothingAndAppliesNothingTwice(PostgresServer pg) throws Exception {
    PgSink.createSchema(pg.jdbcUrl());
    Path dir = Files.createTempDirectory("hotset-wb");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
        WriteBehindChild.class.getName(), pg.jdbcUrl(), dir.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String acked = CompletableFuture.supplyAsync(() -> {
        try {
          String l;
          while ((l = out.readLine()) != null && !l.startsWith("ACKED")) {
            // skip logging
          }
          return l;
        } catch (Exception e) {
          return null;
        }
      }).get(120, TimeUnit.SECONDS);
      assertThat(acked).startsWith("ACKED 10000");
      Thread.sleep(300); // flushes are under way (the source is slow)
      long appliedBefore = checkpoint(pg, "views") + checkpoint(pg, "prices");
      child.destroyForcibly(); // kill -9
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      long appliedAtDeath = checkpoint(pg, "views") + checkpoint(pg, "prices");
      System.out.printf("write-behind crash: %s; checkpoints at kill -9: %d of 10000 records applied%n",
          acked, appliedAtDeath);
      assertThat(appliedAtDeath).as("killed mid-flush: some applied").isPositive();
      assertThat(appliedAtDeath).as("killed mid-flush: not all applied").isLessThan(10_000);
      assertThat(appliedBefore).isLessThanOrEqualTo(appliedAtDeath);

      // what was acknowledged, in order: read the child's journal (the last write of each key wins)
      Map<String, Long> expectedValues = new HashMap<>();
      long[] journaled = {0};
      try (var journal = io.hotset.internal.FileWriteJournal.open(dir.resolve("prices.journal"))) {
        journal.replay(0, (record, seq) -> {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record);
          int kl = b.getInt();
          String key = new String(record, 4, kl, StandardCharsets.UTF_8);
          long value = Long.parseLong(new String(record, 4 + kl, record.length - 4 - kl, StandardCharsets.US_ASCII));
          expectedValues.put(key, value);
          journaled[0]++;
        });
      }
      assertThat(journaled[0]).as("every acknowledged value write is in the journal").isEqualTo(5_000);

      // a new process with the same journals and the same source
      try (WriteBehind<String, Long> views = WriteBehindChild.counters(pg.jdbcUrl(), dir, 0);
          WriteBehind<String, Long> prices = WriteBehindChild.values(pg.jdbcUrl(), dir, 0)) {
        assertThat(views.flush(Duration.ofSeconds(60))).isTrue();
        assertThat(prices.flush(Duration.ofSeconds(60))).isTrue();
      }
      Map<String, Long> counters = table(pg, "SELECT key, n FROM wb_counter");
      // even i only: keys c0, c2, ..., c98 get 5,000 increments between them, 100 each
      assertThat(counters).hasSize(50);
      assertThat(counters.values()).as("every counter exact: 100 increments each, none twice").containsOnly(100L);
      Map<String, Long> values = table(pg, "SELECT key, v FROM wb_value");
      assertThat(values).hasSize(500); // odd i only: v1, v3, ..., v999
      assertThat(values).as("each key holds its last acknowledged write").isEqualTo(expectedValues);
    } finally {
      child.destroyForcibly();
    }
  }

  private static long checkpoint(PostgresServer pg, String journal) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "hotset", "hotset");
        ResultSet rs = c.createStatement().executeQuery("SELECT seq FROM wb_checkpoint WHERE journal = '" + journal + "'")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static Map<String, Long> table(PostgresServer pg, String sql) throws Exception {
    Map<String, Long> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "hotset", "hotset");
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
    }
    return out;
  }
}
