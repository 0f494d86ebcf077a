package io.hotset.testkit;

import io.hotset.testkit.internal.Exec;
import io.hotset.testkit.internal.Os;
import io.hotset.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code varnishd} on a free 127.0.0.1 port, in the foreground ({@code -F}), with its instance
 * directory ({@code -n}) inside its own temp directory so {@code varnishadm} and {@code varnishstat}
 * reach exactly this instance. It runs the VCL you give it, with backend placeholders filled in, or
 * plain {@code -b host:port} when you give none. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (VarnishServer varnish = VarnishServer.builder()
 *         .vcl(vclTemplate)                       // ${BACKEND_HOST} / ${BACKEND_PORT} filled in
 *         .backend("127.0.0.1", origin.port())
 *         .start()) {
 *     http.send(GET varnish.uri("/products/42"));
 *     varnish.counter("MAIN.cache_hit");
 *     varnish.varnishadm("ban", "req.url ~ ^/products");
 * }
 * }</pre>
 *
 * <p>As root, varnishd drops privileges by itself (manager as {@code varnish}, cache process as
 * {@code vcache}); the temp directory is world-traversable and the VCL file world-readable so they
 * can reach it. Instances are thread-safe.
 */
public final class VarnishServer extends ServerProcess {
    /** Environment variable naming the varnishd executable. */
    public static final String VARNISHD_ENV = "HOTSET_VARNISHD";
    /** Where varnishd is looked for when {@link #VARNISHD_ENV} is unset and it is not on PATH. */
    public static final Path DEFAULT_VARNISHD = Path.of("/usr/sbin/varnishd");
    /** Name of the VCL file in the work dir. */
    public static final String VCL_FILE_NAME = "varnish.vcl";
    /** Name of the instance directory ({@code -n}) in the work dir. */
    public static final String INSTANCE_DIR_NAME = "varnish";
    /** Default storage: {@code malloc,64m}. */
    public static final String DEFAULT_STORAGE = "malloc,64m";
    /**
     * Parameters passed by default to keep a test instance small: one thread pool with few idle
     * threads and a small shared-memory log. Builder {@link Builder#param params} override them.
     */
    public static final Map<String, String> DEFAULT_PARAMS = defaultParams();

    private static Map<String, String> defaultParams() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("thread_pools", "1");
        p.put("thread_pool_min", "10");
        p.put("vsl_space", "4M");
        return Collections.unmodifiableMap(p);
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.]+)}");
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final Path varnishd;
    private final Path varnishadm;
    private final Path varnishstat;
    private final List<InetSocketAddress> backends;
    private final Map<String, String> variables;
    private final Map<String, String> params;
    private final String storage;
    private final List<String> extraArgs;
    private final AtomicInteger vclGeneration = new AtomicInteger();
    private volatile String vcl;

    private VarnishServer(Builder b, Path varnishd, Path workDir, String renderedVcl) {
        super("varnishd", workDir, "varnishd.log", b.port, b.startupTimeout);
        this.varnishd = varnishd;
        this.varnishadm = sibling(varnishd, "varnishadm");
        this.varnishstat = sibling(varnishd, "varnishstat");
        this.backends = List.copyOf(b.backends);
        this.variables = Collections.unmodifiableMap(new LinkedHashMap<>(b.variables));
        Map<String, String> p = new LinkedHashMap<>(DEFAULT_PARAMS);
        p.putAll(b.params);
        this.params = Collections.unmodifiableMap(p);
        this.storage = b.storage;
        this.extraArgs = List.copyOf(b.args);
        this.vcl = renderedVcl;
    }

    /** A builder; {@link Builder#start()} returns a running server. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ accessors

    /** {@code http://127.0.0.1:<port>/}. */
    public URI baseUri() {
        return URI.create("http://" + host() + ":" + port() + "/");
    }

    /** {@code path} (with optional query) resolved against {@link #baseUri()}; it must start with {@code /}. */
    public URI uri(String path) {
        if (!Objects.requireNonNull(path, "path").startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': '" + path + "'");
        }
        return URI.create("http://" + host() + ":" + port() + path);
    }

    /** The instance directory ({@code varnishd -n}), for {@code varnishadm -n} / {@code varnishlog -n}. */
    public Path instanceDir() {
        return workDir().resolve(INSTANCE_DIR_NAME);
    }

    /** The VCL file the next start uses, or null when the server runs with {@code -b} (no VCL given). */
    public Path vclFile() {
        return vcl == null ? null : workDir().resolve(VCL_FILE_NAME);
    }

    /** The VCL in use (placeholders filled in), or null when the server runs with {@code -b}. */
    public String vcl() {
        return vcl;
    }

    /** The backends given to the builder, in order. */
    public List<InetSocketAddress> backends() {
        return backends;
    }

    /** The {@code -p} parameters: {@link #DEFAULT_PARAMS} overridden by the builder's. */
    public Map<String, String> params() {
        return params;
    }

    /** The varnishd executable in use. */
    public Path executable() {
        return varnishd;
    }

    // ------------------------------------------------------------------ admin

    /**
     * Runs {@code varnishadm -n <instanceDir> <args...>} and returns its output (stdout), trimmed.
     * Each argument is one CLI word, e.g. {@code varnishadm("ban", "req.url ~ ^/products")} or
     * {@code varnishadm("param.show", "default_ttl")}.
     *
     * @throws IllegalStateException if varnishadm exits with an error (the message has its output)
     * @throws UncheckedIOException if it cannot be run or times out
     */
    public String varnishadm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(varnishadm.toString(), "-n", instanceDir().toString()));
        for (String a : args) {
            cmd.add(Objects.requireNonNull(a, "arg"));
        }
        Exec.Result r;
        try {
            r = Exec.run(cmd, workDir(), null, null, TOOL_TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException("varnishadm " + String.join(" ", args) + " failed: " + e.getMessage(), e);
        }
        if (r.exitCode() != 0) {
            throw new IllegalStateException("varnishadm " + String.join(" ", args) + " exited with " + r.exitCode()
                    + ": " + (r.stdout() + r.stderr()).trim());
        }
        return r.stdout().trim();
    }

    /** Adds a ban ({@code varnishadm ban <expression>}), e.g. {@code ban("obj.http.xkey ~ product:42")}. */
    public void ban(String expression) {
        varnishadm("ban", Objects.requireNonNull(expression, "expression"));
    }

    /**
     * Compiles {@code vclText} (placeholders filled in as for the builder's VCL), makes it the active
     * VCL and keeps it for later restarts. Use it to point a running server at a backend that was
     * started after it (e.g. one chosen in {@code @BeforeAll} with {@link WithVarnish}).
     *
     * @return the name the VCL was loaded under
     * @throws IllegalStateException if it does not compile (the message has the compiler's output)
     */
    public synchronized String loadVcl(String vclText) {
        String rendered = render(Objects.requireNonNull(vclText, "vclText"), backends, variables);
        String name = "hotset_" + vclGeneration.incrementAndGet();
        Path file = workDir().resolve("vcl-" + name + ".vcl");
        try {
            writeReadable(file, rendered);
            writeReadable(workDir().resolve(VCL_FILE_NAME), rendered);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        varnishadm("vcl.load", name, file.toString());
        varnishadm("vcl.use", name);
        this.vcl = rendered;
        return name;
    }

    /**
     * All counters of {@code varnishstat -1} by name (e.g. {@code MAIN.cache_hit},
     * {@code MAIN.backend_req}), in the order varnishstat prints them.
     */
    public Map<String, Long> stats() {
        return parseStats(runVarnishstat(List.of()));
    }

    /**
     * One counter, e.g. {@code counter("MAIN.cache_hit")}. Worker threads add their counts to the shared
     * counters in batches, so a count may show up a moment after the response was sent; use
     * {@link #awaitCounter(String, long, Duration)} to wait for it.
     *
     * @throws IllegalArgumentException if varnishstat does not know it
     */
    public long counter(String name) {
        Map<String, Long> stats = parseStats(runVarnishstat(List.of("-f", Objects.requireNonNull(name, "name"))));
        Long v = stats.get(name);
        if (v == null) {
            throw new IllegalArgumentException("varnishstat has no counter '" + name + "'; it has " + stats.keySet());
        }
        return v;
    }

    /**
     * Polls {@link #counter(String)} until it reaches at least {@code atLeast} and returns its value.
     *
     * @throws IllegalStateException with the last value if it does not get there within {@code timeout}
     */
    public long awaitCounter(String name, long atLeast, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long v = counter(name);
            if (v >= atLeast) {
                return v;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + " is " + v + ", still below " + atLeast + " after " + timeout);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
    }

    private String runVarnishstat(List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of(varnishstat.toString(), "-n", instanceDir().toString(), "-1"));
        cmd.addAll(extra);
        try {
            Exec.Result r = Exec.run(cmd, workDir(), null, null, TOOL_TIMEOUT);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("varnishstat exited with " + r.exitCode() + ": "
                        + (r.stdout() + r.stderr()).trim());
            }
            return r.stdout();
        } catch (IOException e) {
            throw new UncheckedIOException("varnishstat failed: " + e.getMessage(), e);
        }
    }

    /** Parses {@code varnishstat -1} lines: {@code NAME VALUE RATE DESCRIPTION...}. */
    static Map<String, Long> parseStats(String output) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : output.split("\r?\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && !f[0].isEmpty()) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException e) {
                    // not a counter line
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ ServerProcess

    @Override
    protected void prepare() throws IOException {
        if (vcl != null) {
            writeReadable(workDir().resolve(VCL_FILE_NAME), vcl);
        }
    }

    /** Writes a VCL file readable by varnishd's compiler, which runs as another user when we are root. */
    private static void writeReadable(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Override
    protected List<String> buildCommand() {
        List<String> cmd = new ArrayList<>(List.of(varnishd.toString(),
                "-F",
                "-n", instanceDir().toString(),
                "-a", host() + ":" + port(),
                "-T", host() + ":0",
                "-s", storage));
        if (vcl != null) {
            cmd.addAll(List.of("-f", workDir().resolve(VCL_FILE_NAME).toString()));
        } else if (!backends.isEmpty()) {
            InetSocketAddress b = backends.get(0);
            cmd.addAll(List.of("-b", b.getHostString() + ":" + b.getPort()));
        } else {
            cmd.addAll(List.of("-b", "none"));
        }
        params.forEach((k, v) -> cmd.addAll(List.of("-p", k + "=" + v)));
        cmd.addAll(extraArgs);
        return cmd;
    }

    /**
     * Ready when the instance's {@code _.pid} names this process (not an earlier or other varnishd),
     * the listen port accepts connections and {@code varnishadm status} reports a running child.
     */
    @Override
    protected boolean isReady() throws IOException {
        Path pidFile = instanceDir().resolve("_.pid");
        if (!Files.exists(pidFile) || Long.parseLong(Files.readString(pidFile).trim()) != pid()) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host(), port()), (int) PROBE_TIMEOUT.toMillis());
        }
        Exec.Result r = Exec.run(List.of(varnishadm.toString(), "-n", instanceDir().toString(), "status"),
                workDir(), null, null, PROBE_TIMEOUT);
        return r.exitCode() == 0 && r.stdout().contains("running");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Fills {@code ${BACKEND_HOST}}/{@code ${BACKEND_PORT}} (first backend),
     * {@code ${BACKEND_HOST_<i>}}/{@code ${BACKEND_PORT_<i>}} (0-based) and the defined variables.
     *
     * @throws IllegalArgumentException naming any placeholder left without a value
     */
    static String render(String vclText, List<InetSocketAddress> backends, Map<String, String> variables) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < backends.size(); i++) {
            InetSocketAddress b = backends.get(i);
            if (i == 0) {
                values.put("BACKEND_HOST", b.getHostString());
                values.put("BACKEND_PORT", Integer.toString(b.getPort()));
            }
            values.put("BACKEND_HOST_" + i, b.getHostString());
            values.put("BACKEND_PORT_" + i, Integer.toString(b.getPort()));
        }
        values.putAll(variables);
        Matcher m = PLACEHOLDER.matcher(vclText);
        StringBuilder out = new StringBuilder(vclText.length());
        Set<String> missing = new LinkedHashSet<>();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                missing.add(m.group(0));
                v = m.group(0);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("VCL placeholders without a value: " + missing + " (backends given: "
                    + backends.size() + ", variables: " + variables.keySet()
                    + "); add .backend(host, port) or .define(name, value)");
        }
        return out.toString();
    }

    /** varnishadm/varnishstat: next to varnishd, in ../bin, on PATH, then in /usr/bin. */
    private static Path sibling(Path varnishd, String tool) {
        Path dir = varnishd.toAbsolutePath().getParent();
        if (dir != null) {
            for (Path candidate : List.of(dir.resolve(tool), dir.resolveSibling("bin").resolve(tool))) {
                if (Os.isExecutableFile(candidate)) {
                    return candidate;
                }
            }
        }
        Optional<Path> found = Os.findSystemTool(tool);
        return found.orElse(Path.of("/usr/bin", tool));
    }

    /**
     * The varnishd executable: {@code $HOTSET_VARNISHD}, then {@code varnishd} on PATH, then
     * {@code /usr/sbin/varnishd}.
     *
     * @throws IllegalStateException naming every place looked at and the install script, if none is usable
     */
    static Path findVarnishd(Map<String, String> env, Path fallback) {
        String fromEnv = env.get(VARNISHD_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv.trim());
            if (Os.isExecutableFile(p)) {
                return p;
            }
            throw new IllegalStateException(VARNISHD_ENV + "=" + fromEnv + " is not an executable file. Point it at a "
                    + "varnishd binary, or unset it and run scripts/install-test-deps.sh to install varnish.");
        }
        Optional<Path> onPath = Os.findOnPath("varnishd", env.get("PATH"));
        if (onPath.isPresent()) {
            return onPath.get();
        }
        if (Os.isExecutableFile(fallback)) {
            return fallback;
        }
        throw new IllegalStateException("varnishd not found: " + VARNISHD_ENV + " is not set, it is not on PATH ("
                + env.get("PATH") + ") and not at " + fallback + ". Run scripts/install-test-deps.sh to install it, "
                + "or set " + VARNISHD_ENV + "=/path/to/varnishd.");
    }

    /** Configures a {@link VarnishServer}; {@link #build()} returns it stopped, {@link #start()} running. */
    public static final class Builder {
        private final List<InetSocketAddress> backends = new ArrayList<>();
        private final Map<String, String> variables = new LinkedHashMap<>();
        private final Map<String, String> params = new LinkedHashMap<>();
        private final List<String> args = new ArrayList<>();
        private String vclText;
        private Path vclFile;
        private String storage = DEFAULT_STORAGE;
        private int port;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Path executable;

        private Builder() {
        }

        /**
         * The VCL to run. Placeholders {@code ${BACKEND_HOST}}, {@code ${BACKEND_PORT}} (the first
         * {@link #backend backend}), {@code ${BACKEND_HOST_<i>}}, {@code ${BACKEND_PORT_<i>}} (0-based) and
         * {@code ${NAME}} of {@link #define} are filled in; any other {@code ${...}} fails the build.
         * Without VCL the server runs with {@code -b <first backend>} (or {@code -b none}).
         */
        public Builder vcl(String vclText) {
            this.vclText = Objects.requireNonNull(vclText, "vclText");
            this.vclFile = null;
            return this;
        }

        /** Like {@link #vcl(String)} with the content of a file (read by {@link #build()}). */
        public Builder vclFile(Path file) {
            this.vclFile = Objects.requireNonNull(file, "file");
            this.vclText = null;
            return this;
        }

        /** Adds a backend (repeatable; the first is {@code ${BACKEND_HOST}:${BACKEND_PORT}}). */
        public Builder backend(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("backend port out of range: " + port);
            }
            backends.add(InetSocketAddress.createUnresolved(host, port));
            return this;
        }

        /** A value for the placeholder {@code ${name}} in the VCL. */
        public Builder define(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!name.matches("[A-Za-z0-9_.]+")) {
                throw new IllegalArgumentException("placeholder name must match [A-Za-z0-9_.]+: '" + name + "'");
            }
            variables.put(name, value);
            return this;
        }

        /** A runtime parameter ({@code -p name=value}), e.g. {@code param("default_grace", "0")}. */
        public Builder param(String name, String value) {
            params.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The storage backend ({@code -s}), default {@value VarnishServer#DEFAULT_STORAGE}. */
        public Builder storage(String storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /** Raw varnishd arguments appended after the defaults. */
        public Builder arg(String... args) {
            for (String a : args) {
                this.args.add(Objects.requireNonNull(a, "arg"));
            }
            return this;
        }

        /** Uses this port instead of a free one (no retry on another port if it is taken). */
        public Builder port(int port) {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** How long each start may take before it fails (default 30 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Uses this varnishd instead of looking it up; varnishadm and varnishstat are looked for next to it first. */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * Creates the server (temp dir, port, rendered VCL) without starting it.
         *
         * @throws IllegalStateException    if varnishd cannot be found
         * @throws IllegalArgumentException if the VCL has placeholders without a value
         * @throws UncheckedIOException     if the VCL file cannot be read
         */
        public VarnishServer build() {
            Path exe = executable != null ? executable : findVarnishd(System.getenv(), DEFAULT_VARNISHD);
            String text = vclText;
            if (vclFile != null) {
                try {
                    text = Files.readString(vclFile, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read VCL file " + vclFile, e);
                }
            }
            String rendered = text == null ? null : render(text, backends, variables);
            Path dir;
            try {
                // varnishd's unprivileged users must be able to reach the VCL file and the instance dir.
                dir = TempDirs.create("hotset-varnish-", true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp dir for varnishd", e);
            }
            return new VarnishServer(this, exe, dir, rendered);
        }

        /**
         * Creates and starts the server; on failure nothing is left behind.
         *
         * @throws ServerStartException if it does not start
         */
        public VarnishServer start() {
            VarnishServer server = build();
            try {
                server.start();
                return server;
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
    }
}
