package io.hotset.postgres.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithPostgres;
import io.hotset.testkit.WithRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 2: kill -9 of the consuming instance while updates continue: another takes over
 * within 5 s and every update made meanwhile is invalidated (none missed; duplicates harmless).
 * The same for the restart of a single instance.
 */
@WithPostgres
@WithRedis
class CdcFailoverIT {
  private static final int PRODUCTS = 200;

  @Test
  void standbyTakesOverAfterKillMinus9AndMissesNoUpdate(PostgresServer pg, RedisServer redis) throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    CdcNode.createSchema(pg.jdbcUrl(), pg.user(), pg.password(), PRODUCTS);
    Process child = startChild(pg, redis);
    try (CdcNode standby = new CdcNode("standby", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password());
         CdcNode reader = new CdcNode("reader", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())) {
      awaitLine(child, "LEADER");
      standby.startCdc(pg.jdbcUrl(), pg.user(), pg.password());
      Thread.sleep(600);
      assertThat(standby.cdc.isLeader()).as("the child holds the consumer role").isFalse();

      Load load = new Load(pg, List.of(standby, reader));
      load.redis = redis;
      load.start();
      Thread.sleep(1500);
      int beforeKill = load.updates.get();
      long killedAt = System.nanoTime();
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      long deadline = killedAt + TimeUnit.SECONDS.toNanos(15);
      while (!standby.cdc.isLeader()) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(5);
      }
      long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      int duringGap = load.updates.get() - beforeKill;
      Thread.sleep(1500);
      load.stop();
      long finalLsn = currentLsn(pg);
      awaitAcknowledged(standby, finalLsn);
      System.out.println("final check at acknowledged " + standby.cdc.acknowledgedLsn() + " >= " + finalLsn);
      int stale = load.countStale();
      System.out.printf("CDC failover: standby took over %d ms after kill -9; %d updates in total, %d between the "
          + "last pre-kill mark and takeover; %d stale entries after catch-up%n", takeoverMs, load.updates.get(),
          duringGap, stale);
      assertThat(takeoverMs).as("takeover within 5 s").isLessThan(5000);
      assertThat(stale).as("no update missed").isZero();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aRestartedSingleInstanceResumesWhereItsSlotStopped(PostgresServer pg, RedisServer redis) throws Exception {
    redis.flushAll();
    ChangeCaptureTestSupport.reset(pg);
    CdcNode.createSchema(pg.jdbcUrl(), pg.user(), pg.password(), PRODUCTS);
    Process child = startChild(pg, redis);
    try (CdcNode node = new CdcNode("restarted", redis.uri(), pg.jdbcUrl(), pg.user(), pg.password())) {
      awaitLine(child, "LEADER");
      Load load = new Load(pg, List.of(node));
      load.redis = redis;
      load.start();
      Thread.sleep(1000);
      child.destroyForcibly(); // the only consumer dies; updates go on with nobody invalidating
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      int atKill = load.updates.get();
      Thread.sleep(1500);
      int whileDown = load.updates.get() - atKill;
      int staleWhileDown = load.countStaleSnapshot();
      node.startCdc(pg.jdbcUrl(), pg.user(), pg.password()); // the restart
      Thread.sleep(1000);
      load.stop();
      long target = currentLsn(pg);
      awaitAcknowledged(node, target);
      System.out.println("restart final check: target " + target + ", acknowledged " + node.cdc.acknowledgedLsn());
      int stale = load.countStale();
      System.out.printf("CDC restart: %d updates while no instance ran (%d entries stale then); %d stale after the "
          + "restart caught up%n", whileDown, staleWhileDown, stale);
      assertThat(whileDown).isPositive();
      assertThat(staleWhileDown).as("the caches really were stale while nobody consumed").isPositive();
      assertThat(stale).as("the restarted instance invalidated every update made while down").isZero();
    } finally {
      child.destroyForcibly();
    }
  }

  // ------------------------------------------------------------------------------------------

  /** One writer (random products, increasing prices) and readers that keep every node's caches filled. */
  private static final class Load {
    final PostgresServer pg;
    final List<CdcNode> nodes;
    RedisServer redis;
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger updates = new AtomicInteger();
    final ConcurrentHashMap<Long, Integer> latest = new ConcurrentHashMap<>();
    final List<CompletableFuture<Void>> tasks = new ArrayList<>();

    Load(PostgresServer pg, List<CdcNode> nodes) {
      this.pg = pg;
      this.nodes = nodes;
    }

    Load start() {
      tasks.add(CompletableFuture.runAsync(this::write, r -> new Thread(r, "writer").start()));
      for (CdcNode n : nodes) {
        tasks.add(CompletableFuture.runAsync(() -> read(n), r -> new Thread(r, "reader-" + n.hotset.instanceId())
            .start()));
      }
      return this;
    }

    private void write() {
      SplittableRandom rnd = new SplittableRandom(7);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // bounded even if stop() is never called
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
           PreparedStatement ps = c.prepareStatement("UPDATE products SET price_cents = ? WHERE product_id = ?")) {
        int price = 5000;
        while (running.get() && System.nanoTime() < end) {
          long id = 1 + rnd.nextInt(PRODUCTS);
          price++;
          ps.setInt(1, price);
          ps.setLong(2, id);
          ps.executeUpdate();
          for (CdcNode n : nodes) {
            n.note(id, "wrote " + price);
          }
          latest.put(id, price);
          updates.incrementAndGet();
          Thread.sleep(2);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private void read(CdcNode n) {
      SplittableRandom rnd = new SplittableRandom(n.hotset.instanceId().hashCode());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (running.get() && System.nanoTime() < end) {
        long id = 1L + rnd.nextInt(PRODUCTS);
        String before = n.products.getIfPresent(id);
        String got = n.products.get(id);
        if (before == null && got != null) {
          n.note(id, "get filled/returned " + got + ", L1 after " + n.products.getIfPresent(id));
        }
      }
    }

    void stop() throws Exception {
      running.set(false);
      for (CompletableFuture<Void> t : tasks) {
        t.get(30, TimeUnit.SECONDS);
      }
    }

    /** Entries that disagree with the database now (through each node's full read path). */
    int countStale() throws Exception {
      int stale = 0;
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
           Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT product_id, price_cents FROM products")) {
        while (rs.next()) {
          long id = rs.getLong(1);
          String truth = Integer.toString(rs.getInt(2));
          for (CdcNode n : nodes) {
            String l1 = n.products.getIfPresent(id);
            String got = n.products.get(id);
            if (!truth.equals(got)) {
              stale++;
              System.out.printf("STALE product %d on %s: db %s, read %s, L1 %s, last written %s, loads %d%n", id,
                  n.hotset.instanceId(), truth, got, l1, latest.get(id), n.loads.get());
              if (finalCheck) {
                Object raw = redis.command("GET", "cdc:{product:" + id + "}");
                String l2 = raw instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .replaceAll("[^0-9A-Za-z:]", ".") : String.valueOf(raw);
                System.out.println("  L2: " + l2 + "; history here and on the other nodes:");
                for (CdcNode other : nodes) {
                  if (other != n) {
                    for (String h : other.history.getOrDefault(id, new java.util.concurrent.ConcurrentLinkedQueue<>())) {
                      if (h.contains("load")) {
                        System.out.println("  [" + other.hotset.instanceId() + "] " + h);
                      }
                    }
                  }
                }
                for (String h : n.history.getOrDefault(id, new java.util.concurrent.ConcurrentLinkedQueue<>())) {
                  System.out.println("  " + h);
                }
              }
            }
          }
        }
      }
      return stale;
    }

    /** As countStale, racing the writer (only to show that caches were stale while nobody consumed). */
    int countStaleSnapshot() throws Exception {
      finalCheck = false;
      try {
        return countStale();
      } finally {
        finalCheck = true;
      }
    }

    volatile boolean finalCheck = true;
  }

  private static Process startChild(PostgresServer pg, RedisServer redis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CdcChild.class.getName(),
        redis.uri(), pg.jdbcUrl(), pg.user(), pg.password()).redirectErrorStream(true).start();
  }

  private static void awaitLine(Process child, String expected) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = CompletableFuture.supplyAsync(() -> {
      try {
        String l;
        while ((l = out.readLine()) != null && !l.equals(expected)) {
          System.out.println("child: " + l);
        }
        return l;
      } catch (Exception e) {
        return null;
      }
    }).get(60, TimeUnit.SECONDS);
    assertThat(line).isEqualTo(expected);
    // keep draining so the child never blocks on a full pipe
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // discard
        }
      } catch (Exception ignored) {
        // child gone
      }
    }, "child-drain");
    drain.setDaemon(true);
    drain.start();
  }

  private static long currentLsn(PostgresServer pg) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void awaitAcknowledged(CdcNode node, long lsn) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.cdc.acknowledgedLsn() < lsn) {
      assertThat(System.nanoTime()).as("consumer caught up to %d (at %d)", lsn, node.cdc.acknowledgedLsn())
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
