package io.hotset.bench.load;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hotset-load}: the command line of the load harness. Exit codes: 0 done, 1 the run failed
 * (e.g. an output could not be written), 2 bad command-line input.
 */
@Command(name = "hotset-load", mixinStandardHelpOptions = true, version = "hotset-load 0.1.0",
    description = "Drives the hotset catalog service over HTTP and reports latency, errors, per-tier hit ratios "
        + "and database queries.",
    subcommands = {LoadMain.Run.class, LoadMain.ScenarioCommand.class, LoadMain.Compare.class,
        CommandLine.HelpCommand.class})
public final class LoadMain implements Runnable {
  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(execute(args, System.out, System.err));
  }

  /** Runs the command line with the given streams; returns the exit code. */
  static int execute(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new LoadMain());
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("hotset-load: " + ex);
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: run, scenario <name> or compare");
  }

  /** Parses durations such as {@code 500ms}, {@code 10s}, {@code 2m}, {@code PT10S}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** The scenario names, for help and completion. */
  static final class ScenarioNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(Scenario.values()).map(Scenario::id).filter(s -> !s.equals("run")).iterator();
    }
  }

  /** The options of a run; unset ones keep the scenario's defaults. */
  static final class LoadOptions {
    @Option(names = "--target", paramLabel = "URL[,URL]",
        description = "Base URL(s) of the service, round-robin; or one edge (Varnish) URL. Default http://127.0.0.1:8080")
    String target;
    @Option(names = "--metrics-target", paramLabel = "URL[,URL]",
        description = "Where GET /metrics and POST /admin/invalidate go (default: --target); the backends behind an edge.")
    String metricsTarget;
    @Option(names = "--keys", paramLabel = "uniform|zipf|trace", description = "Key choice (default zipf).")
    String keys;
    @Option(names = "--alpha", description = "Zipf exponent (default 0.99).")
    Double alpha;
    @Option(names = "--products", description = "Ids 1..N exist (default 100000).")
    Integer products;
    @Option(names = "--trace", description = "File with one id per line, replayed in order, looping (implies --keys trace).")
    Path trace;
    @Option(names = "--write-ratio", description = "Share of requests that are PUT /products/{id} {priceCents} (default 0.01).")
    Double writeRatio;
    @Option(names = {"-c", "--concurrency"}, description = "Worker threads, one request in flight each (default 32).")
    Integer concurrency;
    @Option(names = {"-d", "--duration"}, converter = DurationConverter.class,
        description = "Measured time, e.g. 60s, 2m (default 60s; stampede: 1.25 x --ttl).")
    Duration duration;
    @Option(names = "--warmup", converter = DurationConverter.class, description = "Unmeasured load first (default 10s).")
    Duration warmup;
    @Option(names = "--max-requests", description = "Stop after this many measured requests (default: no bound).")
    Long maxRequests;
    @Option(names = "--seed", description = "Seed of every random choice (default 1).")
    Long seed;
    @Option(names = "--hot-id", description = "The viral id (hot-key: default 1).")
    Long hotId;
    @Option(names = "--hot-share", description = "Share of reads that go to --hot-id (hot-key: default 0.3).")
    Double hotShare;
    @Option(names = "--missing-share", description = "Share of reads for ids beyond --products (penetration: default 1).")
    Double missingShare;
    @Option(names = "--missing-space", description = "How many distinct missing ids (default: --products).")
    Long missingSpace;
    @Option(names = "--at", paramLabel = "TIME=COMMAND",
        description = "Run a shell command at TIME into the measurement, e.g. --at 10s='kill -STOP 123'. Repeatable; "
            + "each hook starts a new phase.")
    List<String> hooks = new ArrayList<>();
    @Option(names = "--phase-names", split = ",", description = "Names of the phases (hooks + 1), e.g. before,during,after.")
    List<String> phaseNames;
    @Option(names = "--admin-token", description = "Bearer token for POST /admin/invalidate (default: $HOTSET_ADMIN_TOKEN).")
    String adminToken;
    @Option(names = "--purge-rate", description = "POST /admin/invalidate per second during the run (purge-storm: 20).")
    Double purgeRate;
    @Option(names = "--purge-batch", description = "Ids per purge request (default 10).")
    Integer purgeBatch;
    @Option(names = "--purge-template", description = "Tag (or key) of an id, {id} replaced (default product:{id}).")
    String purgeTemplate;
    @Option(names = "--purge-as", paramLabel = "tags|keys", description = "Send the purged items as tags (default) or keys.")
    String purgeAs;
    @Option(names = "--prewarm-keys", description = "Read ids 1..N once before measuring (stampede: all products).")
    Integer prewarmKeys;
    @Option(names = "--prewarm-each-target",
        description = "Read each prewarmed id once on every target (every instance's L1 warm), not once in all.")
    boolean prewarmEachTarget;
    @Option(names = "--prewarm-timeout", converter = DurationConverter.class, description = "Bound of the prewarm (5m).")
    Duration prewarmTimeout;
    @Option(names = "--invalidate-at", converter = DurationConverter.class,
        description = "Stampede by invalidation: at this time, POST /admin/invalidate the tags of all prewarmed ids.")
    Duration invalidateAt;
    @Option(names = "--invalidate-batch", description = "Tags per invalidation request (default 500).")
    Integer invalidateBatch;
    @Option(names = "--ttl", converter = DurationConverter.class, description = "The service's product TTL (default 60s).")
    Duration ttl;
    @Option(names = "--target-hit-ratio", description = "Cold start: the share of reads served without the DB to reach (0.9).")
    Double targetHitRatio;
    @Option(names = "--timeout", converter = DurationConverter.class, description = "Per-request timeout (default 5s).")
    Duration timeout;
    @Option(names = "--connect-timeout", converter = DurationConverter.class, description = "Connect timeout (default 2s).")
    Duration connectTimeout;
    @Option(names = "--scrape-timeout", converter = DurationConverter.class, description = "GET /metrics timeout (1s).")
    Duration scrapeTimeout;
    @Option(names = "--hook-timeout", converter = DurationConverter.class, description = "A hook is killed after (30s).")
    Duration hookTimeout;
    @Option(names = "--error-backoff", converter = DurationConverter.class,
        description = "A worker's pause after a transport error (default 10ms).")
    Duration errorBackoff;
    @Option(names = "--tick", converter = DurationConverter.class, description = "Timeline bucket and progress period (1s).")
    Duration tick;
    @Option(names = "--no-metrics", description = "Do not scrape GET /metrics.")
    boolean noMetrics;
    @Option(names = "--accept-encoding", description = "Accept-Encoding of the load requests (default gzip, as browsers, "
        + "CDNs and Varnish send it); 'none' sends no such header.")
    String acceptEncoding;
    @Option(names = {"-o", "--out"}, description = "JSON result file (default hotset-load-<scenario>.json).")
    Path out;
    @Option(names = "--plot", description = "PNG plot file (default: --out with .png; 'none' for no plot).")
    Path plot;
    @Option(names = "--compare", paramLabel = "BASELINE.json", description = "Print and plot ratios against an earlier run.")
    Path compare;

    LoadConfig toConfig(Scenario scenario) {
      LoadConfig.Builder b = scenario.builder();
      if (target != null) {
        b.target(target);
      }
      if (metricsTarget != null) {
        b.metricsTargets(LoadConfig.Builder.uris(metricsTarget));
      }
      if (keys != null) {
        b.keys(LoadConfig.KeyMode.parse(keys));
      } else if (trace != null) {
        b.keys(LoadConfig.KeyMode.TRACE);
      }
      if (alpha != null) {
        b.alpha(alpha);
      }
      if (products != null) {
        b.products(products);
      }
      b.trace(trace);
      if (writeRatio != null) {
        b.writeRatio(writeRatio);
      }
      if (concurrency != null) {
        b.concurrency(concurrency);
      }
      if (duration != null) {
        b.duration(duration);
      }
      if (warmup != null) {
        b.warmup(warmup);
      }
      if (maxRequests != null) {
        b.maxRequests(maxRequests);
      }
      if (seed != null) {
        b.seed(seed);
      }
      if (hotId != null) {
        b.hotId(hotId);
      }
      if (hotShare != null) {
        b.hotShare(hotShare);
      }
      if (missingShare != null) {
        b.missingShare(missingShare);
      }
      if (missingSpace != null) {
        b.missingSpace(missingSpace);
      }
      for (String h : hooks) {
        b.hook(Hook.parse(h));
      }
      if (phaseNames != null) {
        b.phaseNames(phaseNames);
      }
      b.adminToken(adminToken != null ? adminToken : System.getenv("HOTSET_ADMIN_TOKEN"));
      if (purgeRate != null) {
        b.purgeRate(purgeRate);
      }
      if (purgeBatch != null) {
        b.purgeBatch(purgeBatch);
      }
      if (purgeTemplate != null) {
        b.purgeTemplate(purgeTemplate);
      }
      if (purgeAs != null) {
        if (!purgeAs.equals("tags") && !purgeAs.equals("keys")) {
          throw new IllegalArgumentException("--purge-as must be tags or keys, was '" + purgeAs + "'");
        }
        b.purgeKeys(purgeAs.equals("keys"));
      }
      if (prewarmEachTarget) {
        b.prewarmEachTarget(true);
      }
      if (prewarmKeys != null) {
        b.prewarmKeys(prewarmKeys);
      }
      if (prewarmTimeout != null) {
        b.prewarmTimeout(prewarmTimeout);
      }
      b.invalidateAt(invalidateAt);
      if (invalidateBatch != null) {
        b.invalidateBatch(invalidateBatch);
      }
      if (ttl != null) {
        b.ttl(ttl);
      }
      if (targetHitRatio != null) {
        b.targetHitRatio(targetHitRatio);
      }
      if (timeout != null) {
        b.requestTimeout(timeout);
      }
      if (connectTimeout != null) {
        b.connectTimeout(connectTimeout);
      }
      if (acceptEncoding != null) {
        b.acceptEncoding(acceptEncoding);
      }
      if (scrapeTimeout != null) {
        b.scrapeTimeout(scrapeTimeout);
      }
      if (hookTimeout != null) {
        b.hookTimeout(hookTimeout);
      }
      if (errorBackoff != null) {
        b.errorBackoff(errorBackoff);
      }
      if (tick != null) {
        b.tick(tick);
      }
      return b.scrapeMetrics(!noMetrics).out(out).plot(plot).compare(compare).build();
    }
  }

  /** Runs {@code scenario} with {@code options}; bad option values are usage errors (exit 2). */
  static int runScenario(CommandSpec spec, Scenario scenario, LoadOptions options) throws Exception {
    LoadConfig config;
    try {
      config = options.toConfig(scenario);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
        StandardCharsets.UTF_8);
    LoadHarness.run(config, out);
    out.flush();
    return 0;
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Free-form load: Zipf(0.99) reads, 1%% writes, 10 s warm-up, 60 s, unless told otherwise.")
  static final class Run implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    LoadOptions options = new LoadOptions();

    @Override
    public Integer call() throws Exception {
      return runScenario(spec, Scenario.RUN, options);
    }
  }

  @Command(name = "scenario", mixinStandardHelpOptions = true,
      description = {"Runs a named scenario with its defaults (any option overrides them):",
          "  steady        Zipf(0.99) reads with 1%% price writes",
          "  stampede      (mass-expiry) warm all ids, read on through their expiry",
          "                or --invalidate-at; DB queries per expired key",
          "  redis-outage  steady load with --at hooks; errors per phase",
          "  penetration   reads of ids beyond --products; DB queries per missing id",
          "  hot-key       (viral) --hot-id takes --hot-share of the reads",
          "  cold-start    no warm-up; time until 90%% of reads skip the DB",
          "  purge-storm   reads while purging tags at --purge-rate (--admin-token)"})
  static final class ScenarioCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME", completionCandidates = ScenarioNames.class,
        description = "One of: ${COMPLETION-CANDIDATES}")
    String name;
    @Mixin
    LoadOptions options = new LoadOptions();

    @Override
    public Integer call() throws Exception {
      Scenario scenario;
      try {
        scenario = Scenario.of(name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      return runScenario(spec, scenario, options);
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = "Prints the ratios of a run to a baseline run and plots both as bars.")
  static final class Compare implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "BASELINE.json")
    Path baseline;
    @Parameters(index = "1", paramLabel = "RUN.json")
    Path run;
    @Option(names = "--plot", description = "PNG bar chart (default: RUN-compare.png; 'none' for no plot).")
    Path plot;

    @Override
    public Integer call() throws Exception {
      for (Path p : List.of(baseline, run)) {
        if (!java.nio.file.Files.isReadable(p)) {
          throw new ParameterException(spec.commandLine(), "cannot read " + p);
        }
      }
      Path png = plot == null ? LoadHarness.sibling(run, "-compare.png")
          : plot.toString().equals("none") ? null : plot;
      PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
          StandardCharsets.UTF_8);
      LoadHarness.compare(baseline, run, png, out);
      out.flush();
      return 0;
    }
  }

  /** Bridges picocli's writer to the PrintStream the harness logs to. */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      writer.print(line.toString(StandardCharsets.UTF_8));
      writer.flush();
      line.reset();
    }
  }
}
