package io.hotset.postgres.replica;

import static io.hotset.postgres.replica.Harness.await;
import static io.hotset.postgres.replica.Harness.awaitCaughtUp;
import static io.hotset.postgres.replica.Harness.awaitRoute;
import static io.hotset.postgres.replica.Harness.put;
import static io.hotset.postgres.replica.Harness.read;
import static io.hotset.postgres.replica.Harness.readByConnection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReadToken;
import io.hotset.postgres.ReplicaRouter;
import io.hotset.postgres.replica.Harness.Served;
import io.hotset.testkit.PostgresReplicaSet;
import io.hotset.testkit.PostgresServer;
import io.hotset.testkit.WithPostgresReplicas;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 3: read-replica routing against a real primary and a real streaming replica whose
 * replay the tests pause, resume and kill. Which node served a read is asked of the server
 * itself ({@code current_setting('port')}), and stale reads are shown by the value they return.
 * Figures go to the test's output file.
 */
@WithPostgresReplicas(replicas = 1)
class ReplicaRoutingIT {
  private static final Duration MAX_LAG = Duration.ofMillis(1000);
  private static final Duration INTERVAL = Duration.ofMillis(100);

  private final PostgresReplicaSet set;
  private final PostgresServer replica;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  ReplicaRoutingIT(PostgresReplicaSet set) {
    this.set = set;
    this.replica = set.replica(0);
  }

  @BeforeEach
  void cleanTable() {
    Harness.resetTable(set);
    awaitCaughtUp(set);
  }

  private ReplicaRouter newRouter() {
    return Harness.router(set, registry).maxLag(MAX_LAG).lagCheckInterval(INTERVAL).build();
  }

  private double gauge(String name) {
    return registry.get(name).tag("replica", "r1").gauge().value();
  }

  private double reads(String target) {
    return registry.get("hotset_replica_reads_total").tag("target", target).counter().count();
  }

  /** (a) A client that just wrote reads its write, from the primary while the replica lags, from the replica once it has it. */
  @Test
  void writerReadsItsOwnWrite() throws Exception {
    try (ReplicaRouter router = newRouter()) {
      put(router, "a", "v1");
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));

      // replica caught up: the token does not force the primary
      ReadToken t2;
      try (Connection c = router.primaryConnection()) {
        put(c, "a", "v2");
        t2 = router.writeToken(c);
      }
      assertThat(t2.isPin()).isFalse();
      awaitCaughtUp(set);
      assertThat(read(router, set, ReadConsistency.of(t2), "a")).isEqualTo(new Served("v2", "r1"));

      set.pauseReplay(replica);
      ReadToken t3;
      try (Connection c = router.primaryConnection()) {
        put(c, "a", "v3");
        t3 = router.writeToken(c);
      }
      String cookie = t3.toString();
      ReadConsistency mine = ReadConsistency.of(ReadToken.parse(cookie));
      assertThat(Lsn.parse(cookie.substring(4))).isGreaterThan(t2.lsn());
      double primaryReadsBefore = reads("primary");
      assertThat(read(router, set, mine, "a")).isEqualTo(new Served("v3", "primary"));
      assertThat(readByConnection(router, set, mine, "a")).isEqualTo(new Served("v3", "primary"));
      // routeFor tells the plan: the replica, optimistically, checked on the connection (which fell back above)
      assertThat(router.routeFor(mine).node()).isEqualTo("r1");
      assertThat(router.routeFor(mine).reason()).endsWith("verified on the connection");
      assertThat(reads("primary") - primaryReadsBefore).isEqualTo(2);
      // everyone else still reads the (paused) replica, and the writer's older token is satisfied there
      assertThat(read(router, set, ReadConsistency.any(), "a")).isEqualTo(new Served("v2", "r1"));
      assertThat(read(router, set, ReadConsistency.of(t2), "a")).isEqualTo(new Served("v2", "r1"));
      // a cache fill after an invalidation: atLeast(the change's position) never reads the old value
      Lsn change = router.currentPrimaryLsn();
      assertThat(change.isAtLeast(t3.lsn())).as("%s after %s", change, t3).isTrue();
      assertThat(read(router, set, ReadConsistency.atLeast(change), "a")).isEqualTo(new Served("v3", "primary"));

      // a token taken before COMMIT would miss the commit record
      try (Connection c = router.primaryConnection()) {
        c.setAutoCommit(false);
        put(c, "a", "v4");
        assertThatThrownBy(() -> router.writeToken(c)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("commit first");
        c.commit();
        ReadToken t4 = router.writeToken(c);
        assertThat(read(router, set, ReadConsistency.of(t4), "a")).isEqualTo(new Served("v4", "primary"));
        c.setAutoCommit(true);
      }

      set.resumeReplay(replica);
      awaitCaughtUp(set);
      ReadToken t5 = router.writeToken();   // a write committed elsewhere; the replica has it by now
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));
      assertThat(read(router, set, ReadConsistency.of(t5), "a")).isEqualTo(new Served("v4", "r1"));
    }
  }

  /**
   * (b) Clients without a token read the lagging replica (and see the old value) while its lag
   * is below maxLag, then the primary; the in-rotation gauge drops to 0. (c) After replay
   * resumes, the replica is back in rotation.
   */
  @Test
  void laggingReplicaLeavesRotationAtMaxLagAndReturnsWhenCaughtUp() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicBoolean writing = new AtomicBoolean(true);
    try (ReplicaRouter router = newRouter()) {
      put(router, "b", "old");
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));
      assertThat(gauge("hotset_replica_in_rotation")).isEqualTo(1.0);

      set.pauseReplay(replica);
      put(router, "b", "new");
      long t0 = System.nanoTime();
      // a writer keeps the primary busy (the lag must not depend on it, but real lag comes with writes)
      Future<?> writer = pool.submit(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = router.primaryConnection(); Statement st = c.createStatement()) {
          while (writing.get() && System.nanoTime() < deadline) {
            st.executeUpdate("INSERT INTO ticks DEFAULT VALUES");
            Thread.sleep(50);
          }
        }
        return null;
      });
      // a reader records what it got and when
      List<long[]> oldReads = Collections.synchronizedList(new ArrayList<>());
      AtomicLong readsDone = new AtomicLong();
      AtomicBoolean readingOn = new AtomicBoolean(true);
      Map<String, Long> servedBy = new ConcurrentHashMap<>();
      Future<?> reader = pool.submit(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (readingOn.get() && System.nanoTime() < deadline) {
          Served s = read(router, set, ReadConsistency.any(), "b");
          long at = System.nanoTime() - t0;
          servedBy.merge(s.node() + ":" + s.value(), 1L, Long::sum);
          if (s.value().equals("old")) {
            oldReads.add(new long[] {at, s.node().equals("r1") ? 1 : 0});
          }
          readsDone.incrementAndGet();
          Thread.sleep(5);
        }
        return null;
      });

      await("a check to see the pause and the lag", Duration.ofSeconds(2), () -> {
        ReplicaRouter.ReplicaStatus r1 = router.status().replica("r1");
        return r1.replayPaused() && r1.lagBytes() > 0;
      }, router::status);
      ReplicaRouter.ReplicaStatus lagging = router.status().replica("r1");
      Served early = read(router, set, ReadConsistency.any(), "b");
      long earlyAt = (System.nanoTime() - t0) / 1_000_000;
      assertThat(early).as("read %d ms after the write, status %s", earlyAt, lagging)
          .isEqualTo(new Served("old", "r1"));
      assertThat(lagging.inRotation()).isTrue();
      assertThat(lagging.lag()).isLessThan(MAX_LAG);

      long outAfter = await("the lagging replica to leave rotation", Duration.ofSeconds(10),
          () -> router.routeFor(ReadConsistency.any()).primary(), router::status);
      long tOut = (System.nanoTime() - t0) / 1_000_000;
      assertThat(gauge("hotset_replica_in_rotation")).isEqualTo(0.0);
      assertThat(router.status().replica("r1").reason()).contains("> maxLag 1000 ms");
      assertThat(read(router, set, ReadConsistency.any(), "b")).isEqualTo(new Served("new", "primary"));
      Thread.sleep(300);
      assertThat(gauge("hotset_replica_lag_seconds")).isGreaterThan(MAX_LAG.toMillis() / 1000.0);
      assertThat(gauge("hotset_replica_lag_bytes")).isPositive();

      set.resumeReplay(replica);
      long tResume = System.nanoTime();
      long backAfter = await("the replica to return to rotation", Duration.ofSeconds(10),
          () -> router.routeFor(ReadConsistency.any()).node().equals("r1"), router::status);
      assertThat(read(router, set, ReadConsistency.any(), "b")).isEqualTo(new Served("new", "r1"));
      assertThat(gauge("hotset_replica_in_rotation")).isEqualTo(1.0);
      long backMs = (System.nanoTime() - tResume) / 1_000_000;
      Thread.sleep(300);   // reads under the ongoing writes stay on the replica
      assertThat(router.routeFor(ReadConsistency.any()).node()).isEqualTo("r1");
      assertThat(gauge("hotset_replica_lag_seconds")).isLessThan(0.5);

      writing.set(false);
      readingOn.set(false);
      writer.get(10, TimeUnit.SECONDS);
      reader.get(10, TimeUnit.SECONDS);

      // bounded staleness: the old value came only from the replica, and not later than maxLag
      // (+ one check interval, the precision of the lag measurement, + scheduling slack) after the write
      long lastOld = oldReads.stream().mapToLong(r -> r[0]).max().orElse(0) / 1_000_000;
      assertThat(oldReads).allMatch(r -> r[1] == 1);
      assertThat(lastOld).isLessThan(MAX_LAG.toMillis() + INTERVAL.toMillis() + 250);
      assertThat(servedBy).containsKeys("r1:old", "primary:new", "r1:new").doesNotContainKey("primary:old");
      System.out.printf("lagging replica: out of rotation %d ms after the write (poll %d ms), last stale read at"
          + " %d ms; back in rotation %d ms after resume (poll %d ms); reads %s (%d)%n",
          tOut, outAfter, lastOld, backMs, backAfter, servedBy, readsDone.get());
    } finally {
      writing.set(false);
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** (d) TIME_PIN: after a write, that client's reads go to the primary for the pin duration, then back to the replica. */
  @Test
  void timePinSendsTheWritersReadsToThePrimaryForThePinDuration() throws Exception {
    Harness.MovableWall wall = new Harness.MovableWall();
    try (ReplicaRouter router = Harness.router(set, registry).maxLag(Duration.ofSeconds(30))
        .readYourWrites(ReplicaRouter.ReadYourWrites.TIME_PIN).ticker(wall).build()) {
      put(router, "d", "v1");
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));
      set.pauseReplay(replica);

      ReadToken pin;
      try (Connection c = router.primaryConnection()) {
        put(c, "d", "v2");
        pin = router.writeToken(c);
      }
      assertThat(pin.isPin()).isTrue();
      assertThat(pin.pinnedUntil().toEpochMilli() - wall.wallMillis())
          .isBetween(ReplicaRouter.Builder.DEFAULT_PIN_DURATION.toMillis() - 1000,
              ReplicaRouter.Builder.DEFAULT_PIN_DURATION.toMillis());
      ReadConsistency mine = ReadConsistency.of(ReadToken.parse(pin.toString()));
      assertThat(read(router, set, mine, "d")).isEqualTo(new Served("v2", "primary"));
      assertThat(read(router, set, ReadConsistency.any(), "d")).isEqualTo(new Served("v1", "r1"));
      wall.advance(Duration.ofMillis(4000));
      assertThat(read(router, set, mine, "d")).isEqualTo(new Served("v2", "primary"));
      wall.advance(Duration.ofMillis(1100));
      // the pin is over; the replica is still paused, so the writer now reads its old value: a
      // time pin is no guarantee, which is why LSN tokens are the default
      assertThat(read(router, set, mine, "d")).isEqualTo(new Served("v1", "r1"));
      set.resumeReplay(replica);
      awaitCaughtUp(set);
      assertThat(read(router, set, mine, "d")).isEqualTo(new Served("v2", "r1"));
    }
  }

  /** (e) A killed replica: reads fall back to the primary with none failing, and return after its restart. */
  @Test
  void killedReplicaFallsBackToThePrimaryWithoutFailedReads() throws Exception {
    int readers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    AtomicBoolean on = new AtomicBoolean(true);
    AtomicLong failures = new AtomicLong();
    AtomicLong wrong = new AtomicLong();
    AtomicLong maxLatencyNanos = new AtomicLong();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    Map<String, AtomicLong> byNode = new ConcurrentHashMap<>();
    try (ReplicaRouter router = newRouter()) {
      put(router, "e", "v1");
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        futures.add(pool.submit(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (on.get() && System.nanoTime() < deadline) {
            long start = System.nanoTime();
            try {
              Served s = read(router, set, ReadConsistency.any(), "e");
              maxLatencyNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
              byNode.computeIfAbsent(s.node(), k -> new AtomicLong()).incrementAndGet();
              if (!"v1".equals(s.value())) {
                wrong.incrementAndGet();
              }
            } catch (Exception | AssertionError e) {
              failures.incrementAndGet();
              errors.add(e);
            }
            try {
              Thread.sleep(2);
            } catch (InterruptedException e) {
              return;
            }
          }
        }));
      }
      Thread.sleep(500);
      long replicaReadsBeforeKill = byNode.getOrDefault("r1", new AtomicLong()).get();
      assertThat(replicaReadsBeforeKill).isPositive();

      long tKill = System.nanoTime();
      replica.kill();
      long outMs = await("reads to leave the killed replica", Duration.ofSeconds(5),
          () -> router.routeFor(ReadConsistency.any()).primary(), router::status);
      long killToOut = (System.nanoTime() - tKill) / 1_000_000;
      assertThat(router.status().replica("r1").reachable()).isFalse();
      assertThat(gauge("hotset_replica_in_rotation")).isEqualTo(0.0);
      assertThat(gauge("hotset_replica_lag_seconds")).isNaN();
      long primaryBefore = byNode.getOrDefault("primary", new AtomicLong()).get();
      Thread.sleep(1000);
      assertThat(byNode.get("primary").get()).isGreaterThan(primaryBefore);
      long maxLatencyDuringOutageMs = maxLatencyNanos.get() / 1_000_000;

      replica.start();
      long backMs = awaitRoute(router, "r1", Duration.ofSeconds(30));
      long replicaAfter = byNode.get("r1").get();
      Thread.sleep(500);
      on.set(false);
      for (Future<?> f : futures) {
        f.get(20, TimeUnit.SECONDS);
      }
      assertThat(errors).isEmpty();
      assertThat(failures.get()).isZero();
      assertThat(wrong.get()).isZero();
      assertThat(byNode.get("r1").get()).isGreaterThan(replicaAfter);
      // no read waited out a pool timeout on the dead or the restarted replica
      assertThat(maxLatencyNanos.get() / 1_000_000).isLessThan(ReplicaRouter.Builder.DEFAULT_CONNECTION_TIMEOUT.toMillis());
      System.out.printf("killed replica: out of rotation %d ms after kill -9 (poll %d ms); max read latency %d ms"
          + " until the restart, %d ms overall; back %d ms after its restart returned; reads by node %s, failures %d%n",
          killToOut, outMs, maxLatencyDuringOutageMs, maxLatencyNanos.get() / 1_000_000, backMs, byNode,
          failures.get());
    } finally {
      on.set(false);
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * With no writes, the replica's last replayed transaction grows old, but it has everything:
   * it stays in rotation with lag 0 (a lag of {@code now() - pg_last_xact_replay_timestamp()}
   * would have taken it out after maxLag).
   */
  @Test
  void idlePrimaryDoesNotMakeACaughtUpReplicaLag() throws Exception {
    try (ReplicaRouter router = newRouter()) {
      put(router, "f", "v1");
      awaitCaughtUp(set);
      awaitRoute(router, "r1", Duration.ofSeconds(5));
      long end = System.nanoTime() + MAX_LAG.multipliedBy(3).toNanos();
      double maxLagSeen = 0;
      int polls = 0;
      while (System.nanoTime() < end) {
        assertThat(router.routeFor(ReadConsistency.any()).node()).as("status %s", router.status()).isEqualTo("r1");
        maxLagSeen = Math.max(maxLagSeen, gauge("hotset_replica_lag_seconds"));
        polls++;
        Thread.sleep(50);
      }
      String naive = replica.psql("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())");
      assertThat(Double.parseDouble(naive)).isGreaterThan(MAX_LAG.toMillis() / 1000.0);
      assertThat(maxLagSeen).isLessThan(0.2);
      assertThat(read(router, set, ReadConsistency.any(), "f")).isEqualTo(new Served("v1", "r1"));
      System.out.printf("idle primary: %d polls over %d ms, max lag gauge %.3f s, replay-timestamp age %s s%n",
          polls, MAX_LAG.multipliedBy(3).toMillis(), maxLagSeen, naive);
    }
  }
}
