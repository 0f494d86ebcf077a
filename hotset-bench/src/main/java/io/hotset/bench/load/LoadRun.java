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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One run of the load harness: a closed loop of {@code concurrency} workers, each sending one
 * request at a time (GET or PUT {@code /products/{id}}) until the deadline or the request bound,
 * and one conductor thread (the caller's) that every tick drains the latency recorders, scrapes
 * {@code /metrics}, prints a progress line and, at their times, starts the hooks and cuts the
 * phases.
 *
 * <p>Why a closed loop: it measures what a fixed pool of clients gets, which is what the ratios
 * between two runs (with and without a tier, before and during an outage) are about. Its known
 * bias (coordinated omission: a stalled server also stalls the request rate) is visible in the
 * per-second timeline, where the throughput of a stall drops instead of the latency exploding.
 *
 * <p>Every loop is bounded: workers by the deadline and the request bound, each request by
 * {@code --timeout}, the joins by the timeout plus a margin, hooks by {@code --hook-timeout}.
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

  // conductor state (conductor thread only)
  private long lastTick;
  private Map<String, Long> lastCounts = new TreeMap<>();
  private long[] lastEdge = new long[4];
  private MetricsScraper.Scrape lastScrape;
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
    lastScrape = scraper.scrape();
    long t0 = System.nanoTime();
    lastTick = t0;
    boolean hasWarmup = !cfg.warmup().isZero();
    if (!hasWarmup) {
      beginMeasurement(t0, names.get(0));
    }
    deadline = t0 + cfg.warmup().toNanos() + cfg.duration().toNanos();
    CountDownLatch workersDone = new CountDownLatch(cfg.concurrency());
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < cfg.concurrency(); i++) {
      int index = i;
      SplittableRandom random = seeds.split();
      Thread w = new Thread(() -> work(index, random, workersDone), "load-worker-" + i);
      w.setDaemon(true);
      workers.add(w);
    }
    workers.forEach(Thread::start);

    LoadResult.Warmup warmup = null;
    if (hasWarmup) {
      long warmupEnd = t0 + cfg.warmup().toNanos();
      long nextTick = t0 + cfg.tick().toNanos();
      while (workersDone.getCount() > 0 && System.nanoTime() - warmupEnd < 0) {
        long wake = Math.min(nextTick, warmupEnd);
        workersDone.await(Math.max(0, wake - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (System.nanoTime() - nextTick >= 0 && System.nanoTime() - warmupEnd < 0) {
          tick("warmup", t0 + cfg.warmup().toNanos());
          nextTick += cfg.tick().toNanos();
        }
      }
      tick("warmup", t0 + cfg.warmup().toNanos());
      long warmupRequests = Outcomes.count(lastCounts, null);
      warmup = new LoadResult.Warmup((lastTick - t0) / 1e9, warmupRequests, Outcomes.errors(lastCounts));
      long start = System.nanoTime();
      deadline = start + cfg.duration().toNanos();
      beginMeasurement(start, names.get(0));
    }

    HookRunner hooks = new HookRunner(measureStart, cfg.hookTimeout());
    List<Event> events = events();
    Thread purger = null;
    if (cfg.purgeRate() > 0) {
      purger = new Thread(() -> purge(seeds.split()), "load-purger");
      purger.setDaemon(true);
      purger.start();
    }
    List<Thread> actions = new ArrayList<>();
    List<LoadResult.HookRun> actionRuns = new java.util.concurrent.CopyOnWriteArrayList<>();
    int nextEvent = 0;
    int phaseIndex = 0;
    long nextTick = measureStart + cfg.tick().toNanos();
    while (workersDone.getCount() > 0 && System.nanoTime() - deadline < 0) {
      long eventAt = nextEvent < events.size() ? measureStart + events.get(nextEvent).at : Long.MAX_VALUE;
      long wake = Math.min(Math.min(nextTick, deadline), eventAt);
      workersDone.await(Math.max(0, wake - System.nanoTime()), TimeUnit.NANOSECONDS);
      long now = System.nanoTime();
      if (now - deadline >= 0 || workersDone.getCount() == 0) {
        break;
      }
      if (nextEvent < events.size() && now - eventAt >= 0) {
        Event e = events.get(nextEvent++);
        tick(phase.name, measureStart);
        phaseIndex++;
        closePhase();
        openPhase(names.get(Math.min(phaseIndex, names.size() - 1)), lastTick);
        if (e.hook != null) {
          log.printf(Locale.ROOT, "[%6.1fs] hook: %s%n", (now - measureStart) / 1e9, e.hook.command());
          hooks.start(e.hook);
        } else {
          invalidatePhase = phase;
          Thread t = new Thread(() -> actionRuns.add(invalidatePrewarmed()), "load-invalidate");
          t.setDaemon(true);
          t.start();
          actions.add(t);
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
    for (Thread w : workers) {
      w.join(Math.max(1, (joinBound - System.nanoTime()) / 1_000_000));
    }
    if (purger != null) {
      purger.join(Math.max(1, (joinBound - System.nanoTime()) / 1_000_000));
    }
    long measureEnd = System.nanoTime();
    tick(phase.name, measureStart);
    closePhase();
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

  private List<Event> events() {
    List<Event> events = new ArrayList<>();
    cfg.hooks().forEach(h -> events.add(new Event(h.at().toNanos(), h)));
    if (cfg.invalidateAt() != null) {
      events.add(new Event(cfg.invalidateAt().toNanos(), null));
    }
    events.sort(java.util.Comparator.comparingLong(Event::at));
    return events;
  }

  private void beginMeasurement(long now, String firstPhase) {
    measureStart = now;
    runIds = new DistinctIds(maxTrackedId);
    edgeAtStart = lastEdge;
    openPhase(firstPhase, now);
    measuring = true;
  }

  // ---------------------------------------------------------------- workers

  private void work(int index, SplittableRandom random, CountDownLatch done) {
    try {
      List<URI> targets = cfg.targets();
      int t = index % targets.size();
      while (!stop && System.nanoTime() - deadline < 0) {
        boolean measured = measuring;
        if (measured && cfg.maxRequests() > 0 && measuredIssued.incrementAndGet() > cfg.maxRequests()) {
          break;
        }
        long id = chooser.next(random);
        boolean write = cfg.writeRatio() > 0 && random.nextDouble() < cfg.writeRatio();
        URI base = targets.get(t);
        t = (t + 1) % targets.size();
        URI uri = URI.create(base + "/products/" + id);
        boolean ok;
        if (write) {
          String body = "{\"priceCents\":" + random.nextInt(100, 100_000) + "}";
          ok = send(Outcomes.WRITE, writeRec, HttpRequest.newBuilder(uri).timeout(cfg.requestTimeout())
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), false);
        } else {
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
          ok = send(Outcomes.READ, readRec, HttpRequest.newBuilder(uri).timeout(cfg.requestTimeout()).GET().build(),
              true);
        }
        if (!ok) {
          backoff();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      done.countDown();
    }
  }

  /** Sends one request and records it; false on a transport failure. */
  private boolean send(String op, Recorder recorder, HttpRequest request, boolean countEdge)
      throws InterruptedException {
    long start = System.nanoTime();
    try {
      HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
      recorder.recordValue(Math.max(0, (System.nanoTime() - start) / 1000));
      outcomes.status(op, r.statusCode());
      if (countEdge) {
        r.headers().firstValue("X-Cache").ifPresent(this::countEdge);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      outcomes.failure(op, e);
      return false;
    }
  }

  private void countEdge(String value) {
    String v = value.trim().toUpperCase(Locale.ROOT);
    int i = v.contains("PASS") ? 2 : v.startsWith("HIT") ? 0 : v.startsWith("MISS") ? 1 : 3;
    edge[i].increment();
  }

  private void backoff() throws InterruptedException {
    long ms = Math.min(cfg.errorBackoff().toMillis(), Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  // ---------------------------------------------------------------- mass expiry, purge storm

  private LoadResult.Prewarm prewarm() throws InterruptedException {
    int keys = cfg.prewarmKeys();
    log.printf(Locale.ROOT, "prewarm: reading ids 1..%d once%n", keys);
    Outcomes pre = new Outcomes();
    AtomicInteger next = new AtomicInteger(1);
    long start = System.nanoTime();
    long end = start + cfg.prewarmTimeout().toNanos();
    CountDownLatch done = new CountDownLatch(cfg.concurrency());
    for (int i = 0; i < cfg.concurrency(); i++) {
      int index = i;
      Thread w = new Thread(() -> {
        try {
          List<URI> targets = cfg.targets();
          int t = index % targets.size();
          int id;
          while (System.nanoTime() - end < 0 && (id = next.getAndIncrement()) <= keys) {
            URI uri = URI.create(targets.get(t) + "/products/" + id);
            t = (t + 1) % targets.size();
            try {
              HttpResponse<Void> r = client.send(HttpRequest.newBuilder(uri).timeout(cfg.requestTimeout()).GET()
                  .build(), HttpResponse.BodyHandlers.discarding());
              pre.status(Outcomes.READ, r.statusCode());
            } catch (IOException | RuntimeException e) {
              pre.failure(Outcomes.READ, e);
              long ms = Math.min(cfg.errorBackoff().toMillis(), Math.max(0, (end - System.nanoTime()) / 1_000_000));
              if (ms > 0) {
                Thread.sleep(ms);
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "load-prewarm-" + i);
      w.setDaemon(true);
      w.start();
    }
    while (!done.await(cfg.tick().toNanos(), TimeUnit.NANOSECONDS)) {
      log.printf(Locale.ROOT, "prewarm: %,d / %,d%n", Math.min(keys, next.get() - 1), keys);
      if (System.nanoTime() - end - cfg.requestTimeout().toNanos() - 2_000_000_000L > 0) {
        break;
      }
    }
    Map<String, Long> counts = pre.snapshot();
    long requests = Outcomes.count(counts, null);
    double seconds = (System.nanoTime() - start) / 1e9;
    log.printf(Locale.ROOT, "prewarm: %,d requests in %.1f s, %,d errors%n", requests, seconds,
        Outcomes.errors(counts));
    return new LoadResult.Prewarm(keys, requests, Outcomes.errors(counts), seconds, requests >= keys, counts);
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

  /** Drains the recorders into a bucket of the timeline (and the current phase, when measuring). */
  private void tick(String phaseName, long origin) throws InterruptedException {
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
    MetricsScraper.Scrape scrape = scraper.scrape();
    MetricsScraper.Delta service = MetricsScraper.delta(scrape, lastScrape);
    double seconds = Math.max(1e-9, (now - lastTick) / 1e9);
    if (phase != null && measuring) {
      phase.read.add(read);
      phase.write.add(write);
      phase.admin.add(admin);
      totalRead.add(read);
      totalWrite.add(write);
      totalAdmin.add(admin);
    }
    long reads = Outcomes.count(delta, Outcomes.READ);
    long writes = Outcomes.count(delta, Outcomes.WRITE);
    long admins = Outcomes.count(delta, Outcomes.ADMIN);
    long errors = Outcomes.errors(delta);
    ServiceCounters c = service.counters();
    Long dbProduct = c != null && c.dbPresent() ? Math.round(c.dbProductQueries()) : null;
    Long db = c != null && c.dbPresent() ? Math.round(c.dbQueries()) : null;
    Double cacheHit = dbProduct == null || reads == 0 ? null : Math.max(0, 1 - (double) dbProduct / reads);
    LoadResult.Bucket bucket = new LoadResult.Bucket((now - origin) / 1e9, seconds, phaseName, reads, writes, admins,
        errors, (reads + writes + admins) / seconds, p(read, 50), p(read, 99), p(write, 99),
        Ratios.ratio(edgeHits, edgeLookups),
        c != null && c.tiersPresent() ? c.l1HitRatio() : null, c != null && c.tiersPresent() ? c.l2HitRatio() : null,
        dbProduct, db, dbProduct == null ? null : dbProduct / seconds, cacheHit);
    timeline.add(bucket);
    lastTick = now;
    lastCounts = counts;
    lastEdge = edgeNow;
    lastScrape = scrape;
    progress(bucket);
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
    final MetricsScraper.Scrape startScrape;
    final DistinctIds ids;
    final Histogram read = new Histogram(3);
    final Histogram write = new Histogram(3);
    final Histogram admin = new Histogram(3);
    LoadResult.Phase result;

    PhaseAccumulator(String name, long start, Map<String, Long> startCounts, MetricsScraper.Scrape startScrape,
        DistinctIds ids) {
      this.name = name;
      this.start = start;
      this.startCounts = startCounts;
      this.startScrape = startScrape;
      this.ids = ids;
    }
  }

  /** Opens a phase at the last tick (its counts and scrape are the phase's starting point). */
  private void openPhase(String name, long start) {
    DistinctIds ids = new DistinctIds(maxTrackedId);
    phase = new PhaseAccumulator(name, start, lastCounts, lastScrape, ids);
    phases.add(phase);
    phaseIds = ids;
  }

  /** Closes the current phase at the last tick. */
  private void closePhase() {
    PhaseAccumulator p = phase;
    Map<String, Long> counts = Outcomes.minus(lastCounts, p.startCounts);
    double seconds = Math.max(1e-9, (lastTick - p.start) / 1e9);
    long reads = Outcomes.count(counts, Outcomes.READ);
    long writes = Outcomes.count(counts, Outcomes.WRITE);
    long admin = Outcomes.count(counts, Outcomes.ADMIN);
    LoadResult.Service service = service(MetricsScraper.delta(lastScrape, p.startScrape), reads, seconds);
    p.result = new LoadResult.Phase(p.name, (p.start - measureStart) / 1e9, (lastTick - measureStart) / 1e9,
        reads + writes + admin, reads, writes, admin, Outcomes.errors(counts), Outcomes.notFound(counts),
        (reads + writes + admin) / seconds, LoadResult.Latency.of(p.read), LoadResult.Latency.of(p.write), counts,
        p.ids.count(1, cfg.products()), p.ids.count(cfg.products() + 1L, Long.MAX_VALUE), service);
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
    Map<String, Long> counts = new TreeMap<>();
    for (PhaseAccumulator p : phases) {
      p.result.outcomes().forEach((k, v) -> counts.merge(k, v, Long::sum));
    }
    long reads = Outcomes.count(counts, Outcomes.READ);
    long writes = Outcomes.count(counts, Outcomes.WRITE);
    long admin = Outcomes.count(counts, Outcomes.ADMIN);
    long requests = reads + writes + admin;
    MetricsScraper.Delta whole = MetricsScraper.delta(lastScrape, phases.get(0).startScrape);
    LoadResult.Service service = service(whole, reads, seconds);
    LoadResult.Totals totals = new LoadResult.Totals(requests, reads, writes, admin, Outcomes.errors(counts),
        Outcomes.notFound(counts), Outcomes.transportErrors(counts), requests / seconds, reads / seconds,
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
    List<LoadResult.Phase> phaseResults = phases.stream().map(p -> p.result).toList();
    ScenarioFindings.Context context = new ScenarioFindings.Context(cfg, seconds, totals, service, phaseResults,
        timeline, runIds, invalidatePhase == null ? null : invalidatePhase.ids,
        invalidatePhase == null ? null : invalidatePhase.result, hotReads.sum(),
        purgedIds.sum(), LoadResult.Latency.of(totalAdmin));
    return new LoadResult(LoadResult.SCHEMA, cfg.scenario(), startedAt, cfg.summary(), seconds, totals, latency,
        counts, edgeResult, service, phaseResults, hookRuns, List.copyOf(timeline), prewarm, warmup,
        ScenarioFindings.of(context));
  }
}
