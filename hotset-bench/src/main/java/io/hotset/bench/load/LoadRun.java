package io.hotset.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One run of the load harness: a closed loop of {@code concurrency} workers, each sending one
 * request at a time (GET or PUT {@code /products/{id}}) until the deadline or the request bound
 * (state machines on a selector thread per core, {@link EventLoopWorkers}, not a thread each),
 * and one conductor thread (the caller's) that every tick drains the latency recorders and starts
 * a scrape of {@code /metrics}, and at their times cuts the phases and starts the hooks.
 *
 * <p>The conductor never blocks on the service: a tick's scrape is asynchronous, and its bucket
 * of the timeline is completed (and its progress line printed) when the scrape arrives. A
 * service that a hook has just stopped therefore delays neither the next tick nor the next hook.
 * At a hook the conductor first cuts the phase, then waits at most 100 ms for the scrape that
 * closes it (so the phase before a {@code kill -STOP} normally has its figures), then starts the
 * hook. Service figures of an interval come from the first and last scrapes inside it that
 * answered, and say so when they cover less than the interval.
 *
 * <p>Why a closed loop: it measures what a fixed pool of clients gets, which is what the ratios
 * between two runs (with and without a tier, before and during an outage) are about. Its known
 * bias (coordinated omission: a stalled server also stalls the request rate) is visible in the
 * per-second timeline, where the throughput of a stall drops instead of the latency exploding.
 *
 * <p>Every loop is bounded: workers by the deadline and the request bound, each request by
 * {@code --timeout}, the joins by the timeout plus a margin, scrapes by {@code --scrape-timeout},
 * hooks by {@code --hook-timeout}.
 */
final class LoadRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LoadConfig cfg;
  private final PrintStream log;
  private final HttpClient client;
  private final KeyChooser chooser;
  private final MetricsScraper scraper;
  private final Outcomes outcomes = new Outcomes();
  private final Recorder readRec = new Recorder(3);
  private final Recorder writeRec = new Recorder(3);
  private final Recorder adminRec = new Recorder(3);
  private final LongAdder[] edge = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
  private final LongAdder hotReads = new LongAdder();
  private final LongAdder purgedIds = new LongAdder();
  private final AtomicLong measuredIssued = new AtomicLong();
  private final long maxTrackedId;
  private final SplittableRandom seeds;

  private volatile boolean measuring;
  private volatile boolean stop;
  private volatile long deadline;
  private volatile DistinctIds phaseIds;
  private volatile DistinctIds runIds;
  private final java.util.concurrent.BlockingQueue<Object> signals = new java.util.concurrent.LinkedBlockingQueue<>();

  // conductor state (conductor thread only)
  private long lastTick;
  private Map<String, Long> lastCounts = new TreeMap<>();
  private long[] lastEdge = new long[4];
  private MetricsScraper.Scrape lastResolvedScrape;
  private final java.util.ArrayDeque<PendingTick> pending = new java.util.ArrayDeque<>();
  private final List<ScrapePoint> scrapePoints = new ArrayList<>();
  private long measureStart;
  private final Histogram totalRead = new Histogram(3);
  private final Histogram totalWrite = new Histogram(3);
  private final Histogram totalAdmin = new Histogram(3);
  private final List<LoadResult.Bucket> timeline = new ArrayList<>();
  private PhaseAccumulator phase;
  private PhaseAccumulator invalidatePhase;
  private long[] edgeAtStart = new long[4];
  private final List<PhaseAccumulator> phases = new ArrayList<>();

  LoadRun(LoadConfig cfg, PrintStream log) throws IOException {
    this.cfg = cfg;
    this.log = log;
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(cfg.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER).build();
    this.chooser = cfg.keyChooser();
    this.scraper = new MetricsScraper(client, cfg.metricsTargets(), cfg.scrapeTimeout(), cfg.scrapeMetrics());
    this.maxTrackedId = cfg.products() + cfg.missingSpace() + Math.max(cfg.hotId(), 0) + 1;
    this.seeds = new SplittableRandom(cfg.seed());
  }

  /** Runs the whole scenario on the calling thread and returns what it measured. */
  LoadResult run() throws InterruptedException {
    String startedAt = Instant.now().toString();
    LoadResult.Prewarm prewarm = cfg.prewarmKeys() > 0 ? prewarm() : null;

    List<String> names = cfg.resolvedPhaseNames();
    lastResolvedScrape = MetricsScraper.await(scraper.scrapeAsync(), cfg.scrapeTimeout().plusSeconds(1));
    long t0 = System.nanoTime();
    lastTick = t0;
    scrapePoints.add(new ScrapePoint(t0, 0, lastResolvedScrape));
    boolean hasWarmup = !cfg.warmup().isZero();
    if (!hasWarmup) {
      beginMeasurement(t0, names.get(0));
    }
    deadline = t0 + cfg.warmup().toNanos() + cfg.duration().toNanos();
    CountDownLatch workersDone = new CountDownLatch(cfg.concurrency());
    // Closed-loop workers on selector threads, one per core at most (EventLoopWorkers says why).
    EventLoopWorkers workers = new EventLoopWorkers(new Driver(), cfg.targets(), cfg.connectTimeout(),
        cfg.requestTimeout(), cfg.acceptEncoding(), cfg.concurrency(), Runtime.getRuntime().availableProcessors(),
        seeds.split(), workersDone, () -> signals.add(WORKERS_DONE));
    workers.start();

    LoadResult.Warmup warmup = null;
    if (hasWarmup) {
      long warmupEnd = t0 + cfg.warmup().toNanos();
      long nextTick = t0 + cfg.tick().toNanos();
      while (workersDone.getCount() > 0 && System.nanoTime() - warmupEnd < 0) {
        awaitSignal(Math.min(nextTick, warmupEnd));
        if (System.nanoTime() - nextTick >= 0 && System.nanoTime() - warmupEnd < 0) {
          tick("warmup", t0 + cfg.warmup().toNanos());
          nextTick += cfg.tick().toNanos();
        }
      }
      tick("warmup", t0 + cfg.warmup().toNanos());
      long warmupRequests = Outcomes.count(lastCounts, null);
      warmup = new LoadResult.Warmup((lastTick - t0) / 1e9, warmupRequests, Outcomes.errors(lastCounts));
      // the measurement starts at the drain of the last warm-up tick, where its scrape belongs
      deadline = lastTick + cfg.duration().toNanos();
      beginMeasurement(lastTick, names.get(0));
    }

    HookRunner hooks = new HookRunner(measureStart, cfg.hookTimeout());
    Thread purger = null;
    if (cfg.purgeRate() > 0) {
      purger = new Thread(() -> purge(seeds.split()), "load-purger");
      purger.setDaemon(true);
      purger.start();
    }
    List<Thread> actions = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<LoadResult.HookRun> actionRuns = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Event> events = events();
    int nextEvent = 0;
    int phaseIndex = 0;
    long nextTick = measureStart + cfg.tick().toNanos();
    while (workersDone.getCount() > 0 && System.nanoTime() - deadline < 0) {
      long eventAt = nextEvent < events.size() ? measureStart + events.get(nextEvent).at : deadline;
      awaitSignal(Math.min(Math.min(nextTick, deadline), eventAt));
      long now = System.nanoTime();
      if (now - deadline >= 0 || workersDone.getCount() == 0) {
        break;
      }
      if (nextEvent < events.size() && now - eventAt >= 0) {
        Event e = events.get(nextEvent++);
        // Cut the phase first, so that its closing scrape normally sees the service before the
        // hook changes it; but never hold a hook back for more than HOOK_SCRAPE_WAIT (a stopped
        // service does not answer at all).
        tick(phase.name, measureStart);
        phaseIndex++;
        closePhase();
        openPhase(names.get(Math.min(phaseIndex, names.size() - 1)), lastTick);
        MetricsScraper.await(pending.peekLast().scrape(), HOOK_SCRAPE_WAIT);
        fire(e, hooks, actions, actionRuns);
        if (e.hook == null) {
          invalidatePhase = phase;
        }
      } else if (now - nextTick >= 0) {
        tick(phase.name, measureStart);
        nextTick += cfg.tick().toNanos();
        if (System.nanoTime() - nextTick >= 0) {
          nextTick = System.nanoTime() + cfg.tick().toNanos();
        }
      }
    }
    stop = true;
    long joinBound = System.nanoTime() + cfg.requestTimeout().toNanos() + 2_000_000_000L;
    workers.join(joinBound);
    if (purger != null) {
      purger.join(Math.max(1, (joinBound - System.nanoTime()) / 1_000_000));
    }
    long measureEnd = System.nanoTime();
    tick(phase.name, measureStart);
    closePhase();
    resolve(true);
    for (Thread t : actions) {
      t.join(cfg.hookTimeout().toMillis());
    }
    List<LoadResult.HookRun> hookRuns = new ArrayList<>(hooks.finish());
    hookRuns.addAll(actionRuns);
    hookRuns.sort(java.util.Comparator.comparingDouble(LoadResult.HookRun::startedSeconds));
    return result(startedAt, (measureEnd - measureStart) / 1e9, prewarm, warmup, hookRuns);
  }

  /** A point of the measurement where something happens: a hook, or (hook null) the mass invalidation. */
  private record Event(long at, Hook hook) {}

  /** Signals the conductor that the workers are done. */
  private static final Object WORKERS_DONE = new Object();

  /** The longest a hook waits for the scrape that closes the phase before it. */
  private static final java.time.Duration HOOK_SCRAPE_WAIT = java.time.Duration.ofMillis(100);

  /** Starts a hook (or the mass invalidation) without waiting for it. */
  private void fire(Event e, HookRunner hooks, List<Thread> actions, List<LoadResult.HookRun> actionRuns) {
    if (e.hook != null) {
      hooks.start(e.hook);
      log.printf(Locale.ROOT, "[%6.1fs] hook: %s%n", (System.nanoTime() - measureStart) / 1e9, e.hook.command());
    } else {
      Thread t = new Thread(() -> actionRuns.add(invalidatePrewarmed()), "load-invalidate");
      t.setDaemon(true);
      t.start();
      actions.add(t);
    }
  }

  private List<Event> events() {
    List<Event> events = new ArrayList<>();
    cfg.hooks().forEach(h -> events.add(new Event(h.at().toNanos(), h)));
    if (cfg.invalidateAt() != null) {
      events.add(new Event(cfg.invalidateAt().toNanos(), null));
    }
    events.sort(java.util.Comparator.comparingLong(Event::at));
    return events;
  }

  /**
   * Waits until {@code wakeAt} or a signal (a hook fired, the workers are done), meanwhile
   * completing the ticks whose scrapes arrive; returns the signal, or null.
   */
  private Object awaitSignal(long wakeAt) throws InterruptedException {
    while (true) {
      long left = wakeAt - System.nanoTime();
      if (!pending.isEmpty()) {
        left = Math.min(left, 10_000_000L);
      }
      Object signal = signals.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      resolve(false);
      if (signal != null || System.nanoTime() - wakeAt >= 0) {
        return signal;
      }
    }
  }

  private void beginMeasurement(long now, String firstPhase) {
    measureStart = now;
    runIds = new DistinctIds(maxTrackedId);
    edgeAtStart = lastEdge;
    openPhase(firstPhase, now);
    measuring = true;
  }

  // ---------------------------------------------------------------- workers

  /** What the workers send and how their answers are counted. */
  private final class Driver implements EventLoopWorkers.Driver {
    @Override
    public EventLoopWorkers.Request next(SplittableRandom random, URI base) {
      if (stop || System.nanoTime() - deadline >= 0) {
        return null;
      }
      boolean measured = measuring;
      if (measured && cfg.maxRequests() > 0 && measuredIssued.incrementAndGet() > cfg.maxRequests()) {
        return null;
      }
      long id = chooser.next(random);
      boolean write = cfg.writeRatio() > 0 && random.nextDouble() < cfg.writeRatio();
      String path = (base.getRawPath() == null ? "" : base.getRawPath()) + "/products/" + id;
      if (write) {
        String body = "{\"priceCents\":" + random.nextInt(100, 100_000) + "}";
        return new EventLoopWorkers.Request(Outcomes.WRITE, "PUT", path, body, false);
      }
      if (measured) {
        DistinctIds p = phaseIds;
        if (p != null) {
          p.add(id);
        }
        DistinctIds r = runIds;
        if (r != null) {
          r.add(id);
        }
        if (id == cfg.hotId()) {
          hotReads.increment();
        }
      }
      return new EventLoopWorkers.Request(Outcomes.READ, "GET", path, null, true);
    }

    @Override
    public void answered(EventLoopWorkers.Request r, long micros, int status, String xCache) {
      (r.op().equals(Outcomes.WRITE) ? writeRec : readRec).recordValue(micros);
      outcomes.status(r.op(), status);
      if (r.countEdge() && xCache != null) {
        countEdge(xCache);
      }
    }

    @Override
    public void failed(EventLoopWorkers.Request r, Throwable t) {
      outcomes.failure(r.op(), t);
    }

    @Override
    public long backoffNanos() {
      return Math.min(cfg.errorBackoff().toNanos(), Math.max(0, deadline - System.nanoTime()));
    }
  }

  private void countEdge(String value) {
    String v = value.trim().toUpperCase(Locale.ROOT);
    int i = v.contains("PASS") ? 2 : v.startsWith("HIT") ? 0 : v.startsWith("MISS") ? 1 : 3;
    edge[i].increment();
  }

  // ---------------------------------------------------------------- mass expiry, purge storm

  /** Attempts per prewarmed id: a shed (503), a 5xx or a transport error is tried again later. */
  static final int PREWARM_ATTEMPTS = 5;

  /**
   * Reads ids 1..prewarmKeys once each (on every target with {@code prewarmEachTarget}). A read
   * that fails (a transport error, 429 or 5xx, e.g. a 503 from a bulkhead shedding loads) is
   * queued again after a backoff that grows with each attempt, up to {@link #PREWARM_ATTEMPTS}:
   * an id the prewarm could not warm would otherwise be a cold miss in the measured window, loaded
   * there once for its miss and once more at its expiry, and the mass-expiry figure would count
   * both. Ids still failing after the last attempt are reported as not warmed.
   */
  private LoadResult.Prewarm prewarm() throws InterruptedException {
    int keys = cfg.prewarmKeys();
    int per = cfg.prewarmEachTarget() ? cfg.targets().size() : 1;
    long total = (long) keys * per;
    log.printf(Locale.ROOT, "prewarm: reading ids 1..%d once%s%n", keys, per > 1 ? " on each of " + per + " targets" : "");
    Outcomes pre = new Outcomes();
    AtomicInteger next = new AtomicInteger(1);
    // requests still to be answered well: new ones not yet taken plus failed ones queued again
    AtomicLong outstanding = new AtomicLong(total);
    AtomicLong retried = new AtomicLong();
    AtomicLong unwarmed = new AtomicLong();
    DelayQueue<PrewarmRetry> retries = new DelayQueue<>();
    long start = System.nanoTime();
    long end = start + cfg.prewarmTimeout().toNanos();
    CountDownLatch done = new CountDownLatch(cfg.concurrency());
    for (int i = 0; i < cfg.concurrency(); i++) {
      int index = i;
      Thread w = new Thread(() -> {
        // the load's own client and request shape (Accept-Encoding included): the prewarm stands for
        // the traffic that came before
        RawHttp raw = new RawHttp(cfg.connectTimeout(), cfg.requestTimeout(), cfg.acceptEncoding());
        try {
          List<URI> targets = cfg.targets();
          int t = index % targets.size();
          while (System.nanoTime() - end < 0 && outstanding.get() > 0) {
            PrewarmRetry again = retries.poll();
            int n;
            int attempt;
            if (again != null) {
              n = again.n;
              attempt = again.attempt;
            } else if ((n = next.getAndIncrement()) <= total) {
              attempt = 1;
            } else {
              // only retries are left: wait for the next one to fall due (or for the others to finish)
              again = retries.poll(50, TimeUnit.MILLISECONDS);
              if (again == null) {
                continue;
              }
              n = again.n;
              attempt = again.attempt;
            }
            int id = per == 1 ? n : (n - 1) / per + 1;
            URI base = targets.get(per == 1 ? t : (n - 1) % per);
            t = (t + 1) % targets.size();
            boolean failed;
            try {
              RawHttp.Response r = raw.send(base, "GET",
                  (base.getRawPath() == null ? "" : base.getRawPath()) + "/products/" + id, null);
              pre.status(Outcomes.READ, r.status());
              failed = r.status() == 429 || r.status() >= 500;
            } catch (IOException | RuntimeException e) {
              pre.failure(Outcomes.READ, e);
              failed = true;
            }
            if (!failed) {
              outstanding.decrementAndGet();
            } else if (attempt < PREWARM_ATTEMPTS) {
              retried.incrementAndGet();
              long backoff = Math.max(1, cfg.errorBackoff().toNanos()) * (1L << Math.min(attempt, 6));
              retries.add(new PrewarmRetry(n, attempt + 1, System.nanoTime() + backoff));
            } else {
              unwarmed.incrementAndGet();
              outstanding.decrementAndGet();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          raw.close();
          done.countDown();
        }
      }, "load-prewarm-" + i);
      w.setDaemon(true);
      w.start();
    }
    while (!done.await(cfg.tick().toNanos(), TimeUnit.NANOSECONDS)) {
      log.printf(Locale.ROOT, "prewarm: %,d / %,d%s%n", total - outstanding.get(), total,
          retried.get() > 0 ? String.format(Locale.ROOT, " (%,d tried again)", retried.get()) : "");
      if (System.nanoTime() - end - cfg.requestTimeout().toNanos() - 2_000_000_000L > 0) {
        break;
      }
    }
    Map<String, Long> counts = pre.snapshot();
    long requests = Outcomes.count(counts, null);
    double seconds = (System.nanoTime() - start) / 1e9;
    // ids never taken (the prewarm timed out) are not warmed either
    long notWarmed = unwarmed.get() + Math.max(0, outstanding.get());
    log.printf(Locale.ROOT, "prewarm: %,d requests in %.1f s, %,d errors, %,d tried again, %,d not warmed%n",
        requests, seconds, Outcomes.errors(counts), retried.get(), notWarmed);
    if (notWarmed > 0) {
      log.printf(Locale.ROOT, "prewarm: WARNING: %,d of %,d reads never succeeded; those ids are cold misses in the"
          + " measured window%n", notWarmed, total);
    }
    return new LoadResult.Prewarm(keys, requests, Outcomes.errors(counts), retried.get(), notWarmed, seconds,
        notWarmed == 0, counts);
  }

  /** A failed prewarm read queued again, due at {@code dueNanos}. */
  private record PrewarmRetry(int n, int attempt, long dueNanos) implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(dueNanos, ((PrewarmRetry) o).dueNanos);
    }
  }

  /** POST /admin/invalidate with the tags of ids 1..prewarmKeys, in batches, as fast as the service answers. */
  private LoadResult.HookRun invalidatePrewarmed() {
    long start = System.nanoTime();
    int keys = cfg.prewarmKeys();
    Map<String, Long> statuses = new TreeMap<>();
    int requests = 0;
    boolean ok = true;
    for (int from = 1; from <= keys && !stop; from += cfg.invalidateBatch()) {
      List<String> tags = new ArrayList<>();
      for (int id = from; id < from + cfg.invalidateBatch() && id <= keys; id++) {
        tags.add(cfg.purgeTemplate().replace("{id}", Integer.toString(id)));
      }
      String outcome = invalidate(tags);
      requests++;
      statuses.merge(outcome, 1L, Long::sum);
      ok &= outcome.startsWith("2");
    }
    long end = System.nanoTime();
    String command = String.format(Locale.ROOT, "POST /admin/invalidate: %d %s of ids 1..%d in %d requests",
        keys, cfg.purgeKeys() ? "keys" : "tags", keys, requests);
    log.printf(Locale.ROOT, "[%6.1fs] %s -> %s%n", (end - measureStart) / 1e9, command, statuses);
    return new LoadResult.HookRun(command, Durations.seconds(cfg.invalidateAt()), (start - measureStart) / 1e9,
        (end - measureStart) / 1e9, ok ? 0 : 1, "outcomes " + statuses);
  }

  private void purge(SplittableRandom random) {
    long interval = (long) (1e9 / cfg.purgeRate());
    long next = System.nanoTime();
    try {
      while (!stop && System.nanoTime() - deadline < 0) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(Math.min(wait, deadline - System.nanoTime()));
          continue;
        }
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < cfg.purgeBatch(); i++) {
          tags.add(cfg.purgeTemplate().replace("{id}", Long.toString(chooser.next(random))));
        }
        purgedIds.add(tags.size());
        invalidate(tags);
        next += interval;
        long now = System.nanoTime();
        if (now - next > interval) {
          next = now;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One POST /admin/invalidate to the first metrics target; the outcome as counted. */
  private String invalidate(List<String> items) {
    String body;
    try {
      body = JSON.writeValueAsString(Map.of(cfg.purgeKeys() ? "keys" : "tags", items,
          cfg.purgeKeys() ? "tags" : "keys", List.of()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    URI uri = URI.create(cfg.metricsTargets().get(0) + "/admin/invalidate");
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(cfg.requestTimeout())
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + cfg.adminToken())
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long start = System.nanoTime();
    try {
      HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
      adminRec.recordValue(Math.max(0, (System.nanoTime() - start) / 1000));
      outcomes.status(Outcomes.ADMIN, r.statusCode());
      return Integer.toString(r.statusCode());
    } catch (IOException | RuntimeException e) {
      outcomes.failure(Outcomes.ADMIN, e);
      return "io:" + e.getClass().getSimpleName();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  // ---------------------------------------------------------------- conductor

  /** A drained tick waiting for its scrape. */
  private record PendingTick(long tick, double seconds, double t, String phase, long reads, long writes, long admin,
      long errors, Double readP50, Double readP99, Double writeP99, Double edgeHitRatio, long readsCumulative,
      CompletableFuture<MetricsScraper.Scrape> scrape) {}

  /**
   * Drains the recorders (into the current phase, when measuring) and starts a scrape; the
   * bucket of the timeline is completed when the scrape arrives ({@link #resolve}), so a service
   * that does not answer never holds up the conductor.
   */
  private void tick(String phaseName, long origin) {
    long now = System.nanoTime();
    Histogram read = readRec.getIntervalHistogram();
    Histogram write = writeRec.getIntervalHistogram();
    Histogram admin = adminRec.getIntervalHistogram();
    Map<String, Long> counts = outcomes.snapshot();
    Map<String, Long> delta = Outcomes.minus(counts, lastCounts);
    long[] edgeNow = edgeCounts();
    long edgeHits = edgeNow[0] - lastEdge[0];
    long edgeLookups = 0;
    for (int i = 0; i < 4; i++) {
      edgeLookups += edgeNow[i] - lastEdge[i];
    }
    if (phase != null && measuring) {
      phase.read.add(read);
      phase.write.add(write);
      phase.admin.add(admin);
      totalRead.add(read);
      totalWrite.add(write);
      totalAdmin.add(admin);
    }
    pending.add(new PendingTick(now, Math.max(1e-9, (now - lastTick) / 1e9), (now - origin) / 1e9, phaseName,
        Outcomes.count(delta, Outcomes.READ), Outcomes.count(delta, Outcomes.WRITE),
        Outcomes.count(delta, Outcomes.ADMIN), Outcomes.errors(delta), p(read, 50), p(read, 99), p(write, 99),
        Ratios.ratio(edgeHits, edgeLookups), Outcomes.count(counts, Outcomes.READ), scraper.scrapeAsync()));
    lastTick = now;
    lastCounts = counts;
    lastEdge = edgeNow;
  }

  /** Completes the pending ticks in order whose scrapes have arrived (all of them, bounded, with {@code wait}). */
  private void resolve(boolean wait) throws InterruptedException {
    while (!pending.isEmpty()) {
      PendingTick pt = pending.peek();
      MetricsScraper.Scrape scrape;
      if (pt.scrape().isDone()) {
        scrape = pt.scrape().join();
      } else if (wait) {
        scrape = MetricsScraper.await(pt.scrape(), cfg.scrapeTimeout().plusSeconds(1));
      } else {
        return;
      }
      pending.poll();
      MetricsScraper.Delta service = MetricsScraper.delta(scrape, lastResolvedScrape);
      lastResolvedScrape = scrape;
      scrapePoints.add(new ScrapePoint(pt.tick(), pt.readsCumulative(), scrape));
      ServiceCounters c = service.counters();
      Long dbProduct = c != null && c.dbPresent() ? Math.round(c.dbProductQueries()) : null;
      Long db = c != null && c.dbPresent() ? Math.round(c.dbQueries()) : null;
      long reads = pt.reads();
      Double cacheHit = dbProduct == null || reads == 0 ? null : Math.max(0, 1 - (double) dbProduct / reads);
      LoadResult.Bucket bucket = new LoadResult.Bucket(pt.t(), pt.seconds(), pt.phase(), reads, pt.writes(),
          pt.admin(), pt.errors(), (reads + pt.writes() + pt.admin()) / pt.seconds(), pt.readP50(), pt.readP99(),
          pt.writeP99(), pt.edgeHitRatio(),
          c != null && c.tiersPresent() ? c.l1HitRatio() : null, c != null && c.tiersPresent() ? c.l2HitRatio() : null,
          dbProduct, db, dbProduct == null ? null : dbProduct / pt.seconds(), cacheHit);
      timeline.add(bucket);
      progress(bucket);
    }
  }

  private void progress(LoadResult.Bucket b) {
    Double runP99 = totalRead.getTotalCount() == 0 ? null : totalRead.getValueAtPercentile(99) / 1000.0;
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%6.1fs %-8s] %9.0f req/s  errors %-5d"
        + " read p99 %s ms (so far %s)", b.t(), b.phase(), b.throughput(), b.errors(), fmt(b.readP99Ms()),
        fmt(runP99)));
    if (b.dbProductQueriesPerSecond() != null) {
      line.append(String.format(Locale.ROOT, "  db %.0f q/s", b.dbProductQueriesPerSecond()));
    }
    if (b.l1HitRatio() != null) {
      line.append("  L1 ").append(fmt(b.l1HitRatio()));
    }
    if (b.edgeHitRatio() != null) {
      line.append("  edge ").append(fmt(b.edgeHitRatio()));
    }
    log.println(line);
  }

  private static String fmt(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static Double p(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? null : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private long[] edgeCounts() {
    long[] out = new long[4];
    for (int i = 0; i < 4; i++) {
      out[i] = edge[i].sum();
    }
    return out;
  }

  /** What one phase accumulates between two hooks. */
  private static final class PhaseAccumulator {
    final String name;
    final long start;
    final Map<String, Long> startCounts;
    final DistinctIds ids;
    final Histogram read = new Histogram(3);
    final Histogram write = new Histogram(3);
    final Histogram admin = new Histogram(3);
    long end;
    Map<String, Long> counts = Map.of();

    PhaseAccumulator(String name, long start, Map<String, Long> startCounts, DistinctIds ids) {
      this.name = name;
      this.start = start;
      this.startCounts = startCounts;
      this.ids = ids;
    }
  }

  /** Opens a phase at the last tick (its counts and scrape are the phase's starting point). */
  private void openPhase(String name, long start) {
    DistinctIds ids = new DistinctIds(maxTrackedId);
    phase = new PhaseAccumulator(name, start, lastCounts, ids);
    phases.add(phase);
    phaseIds = ids;
  }

  /** Closes the current phase at the last tick (its service figures wait for the scrapes). */
  private void closePhase() {
    phase.end = lastTick;
    phase.counts = Outcomes.minus(lastCounts, phase.startCounts);
  }

  private LoadResult.Phase phaseResult(PhaseAccumulator p) {
    Map<String, Long> counts = p.counts;
    double seconds = Math.max(1e-9, (p.end - p.start) / 1e9);
    long reads = Outcomes.count(counts, Outcomes.READ);
    long writes = Outcomes.count(counts, Outcomes.WRITE);
    long admin = Outcomes.count(counts, Outcomes.ADMIN);
    return new LoadResult.Phase(p.name, (p.start - measureStart) / 1e9, (p.end - measureStart) / 1e9,
        reads + writes + admin, reads, writes, admin, Outcomes.errors(counts), Outcomes.notFound(counts),
        (reads + writes + admin) / seconds, LoadResult.Latency.of(p.read), LoadResult.Latency.of(p.write), counts,
        p.ids.count(1, cfg.products()), p.ids.count(cfg.products() + 1L, Long.MAX_VALUE),
        serviceBetween(p.start, p.end));
  }

  /** A scrape taken at a tick, with the reads completed by then (cumulative). */
  private record ScrapePoint(long tick, long reads, MetricsScraper.Scrape scrape) {
    boolean ok() {
      return !scrape.byTarget().isEmpty();
    }
  }

  /**
   * The service's counters between two ticks: from the first scrape that answered at or after
   * {@code from} to the last one with the same targets at or before {@code to}, with rates over
   * the time they cover. A scrape can fail exactly at a phase boundary (the hook just stopped the
   * service): then the figures cover less than the phase, and say so.
   */
  private LoadResult.Service serviceBetween(long from, long to) {
    ScrapePoint first = null;
    ScrapePoint last = null;
    List<String> errors = new ArrayList<>();
    for (ScrapePoint p : scrapePoints) {
      if (p.tick - from < 0 || p.tick - to > 0) {
        continue;
      }
      errors.addAll(p.scrape.errors());
      if (!p.ok()) {
        continue;
      }
      if (first == null) {
        first = p;
      } else if (p.scrape.byTarget().keySet().equals(first.scrape.byTarget().keySet())) {
        last = p;
      }
    }
    if (first == null || last == null) {
      return service(new MetricsScraper.Delta(null, false, errors.stream().distinct().toList()), 0, 1);
    }
    MetricsScraper.Delta d = MetricsScraper.delta(last.scrape, first.scrape);
    boolean covered = first.tick == from && last.tick == to;
    List<String> notes = new ArrayList<>(errors.stream().distinct().toList());
    if (!covered) {
      notes.add(String.format(Locale.ROOT, "the figures cover %.1f-%.1f s of %.1f-%.1f s",
          (first.tick - measureStart) / 1e9, (last.tick - measureStart) / 1e9, (from - measureStart) / 1e9,
          (to - measureStart) / 1e9));
    }
    return service(new MetricsScraper.Delta(d.counters(), d.complete() && covered && errors.isEmpty(), notes),
        last.reads - first.reads, Math.max(1e-9, (last.tick - first.tick) / 1e9));
  }

  static LoadResult.Service service(MetricsScraper.Delta d, long reads, double seconds) {
    ServiceCounters c = d.counters();
    if (c == null) {
      return new LoadResult.Service(null, null, null, null, null, null, null, false, d.errors());
    }
    LoadResult.Tier l1 = c.tiersPresent() ? new LoadResult.Tier(Math.round(c.l1Hit()), Math.round(c.l1Miss()),
        Math.round(c.l1Stale()), Math.round(c.l1Negative()), c.l1HitRatio()) : null;
    LoadResult.Tier l2 = c.tiersPresent() ? new LoadResult.Tier(Math.round(c.l2Hit()), Math.round(c.l2Miss()),
        Math.round(c.l2Stale()), Math.round(c.l2Negative()), c.l2HitRatio()) : null;
    Long dbProduct = c.dbPresent() ? Math.round(c.dbProductQueries()) : null;
    Long db = c.dbPresent() ? Math.round(c.dbQueries()) : null;
    return new LoadResult.Service(l1, l2, dbProduct, db, dbProduct == null ? null : dbProduct / seconds,
        db == null ? null : db / seconds, dbProduct == null ? null : Ratios.ratio(dbProduct, reads), d.complete(),
        d.errors());
  }

  private LoadResult result(String startedAt, double seconds, LoadResult.Prewarm prewarm, LoadResult.Warmup warmup,
      List<LoadResult.HookRun> hookRuns) {
    List<LoadResult.Phase> phaseResults = phases.stream().map(this::phaseResult).toList();
    Map<String, Long> counts = new TreeMap<>();
    for (LoadResult.Phase p : phaseResults) {
      p.outcomes().forEach((k, v) -> counts.merge(k, v, Long::sum));
    }
    long reads = Outcomes.count(counts, Outcomes.READ);
    long writes = Outcomes.count(counts, Outcomes.WRITE);
    long admin = Outcomes.count(counts, Outcomes.ADMIN);
    long requests = reads + writes + admin;
    LoadResult.Service service = serviceBetween(phases.get(0).start, lastTick);
    LoadResult.Totals totals = new LoadResult.Totals(requests, reads, writes, admin, Outcomes.errors(counts),
        Outcomes.notFound(counts), Outcomes.transportErrors(counts), requests / seconds,
        (requests - Outcomes.errors(counts)) / seconds, reads / seconds,
        service.dbShareOfReads());
    Map<String, LoadResult.Latency> latency = new LinkedHashMap<>();
    latency.put(Outcomes.READ, LoadResult.Latency.of(totalRead));
    latency.put(Outcomes.WRITE, LoadResult.Latency.of(totalWrite));
    if (totalAdmin.getTotalCount() > 0) {
      latency.put(Outcomes.ADMIN, LoadResult.Latency.of(totalAdmin));
    }
    long[] e = edgeCounts();
    for (int i = 0; i < 4; i++) {
      e[i] -= edgeAtStart[i];
    }
    long edgeAll = e[0] + e[1] + e[2] + e[3];
    LoadResult.Edge edgeResult = edgeAll == 0 ? null
        : new LoadResult.Edge(e[0], e[1], e[2], e[3], Ratios.ratio(e[0], edgeAll));
    ScenarioFindings.Context context = new ScenarioFindings.Context(cfg, seconds, totals, service, phaseResults,
        timeline, runIds, invalidatePhase == null ? null : invalidatePhase.ids,
        invalidatePhase == null ? null : phaseResults.get(phases.indexOf(invalidatePhase)), hotReads.sum(),
        purgedIds.sum(), LoadResult.Latency.of(totalAdmin));
    return new LoadResult(LoadResult.SCHEMA, cfg.scenario(), startedAt, cfg.summary(), seconds, totals, latency,
        counts, edgeResult, service, phaseResults, hookRuns, List.copyOf(timeline), prewarm, warmup,
        ScenarioFindings.of(context));
  }
}
