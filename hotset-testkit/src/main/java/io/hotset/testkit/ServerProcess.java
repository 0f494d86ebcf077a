package io.hotset.testkit;

import io.hotset.testkit.internal.ProcessTree;
import io.hotset.testkit.internal.Reaper;
import io.hotset.testkit.internal.TempDirs;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A server run as a child process of the test JVM on a port of 127.0.0.1, with its own temporary working
 * directory. Subclasses say how to build the command line and how to tell that the server is ready;
 * this class starts it, waits for readiness, stops or kills it (only ever by the PID it started) and
 * restarts it on the same port with the same data, so tests can inject faults.
 *
 * <p>Output (stdout and stderr) goes to {@link #logFile()}. A JVM shutdown hook kills servers that were
 * not {@linkplain #close() closed}. Instances are thread-safe.
 */
public abstract class ServerProcess implements AutoCloseable {
    /** Default time a server has to become ready: 30 seconds. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** How long {@link #stop()} waits for a graceful exit before it SIGKILLs: 10 seconds. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** How many times a first start is retried on a new port when the port turned out to be taken. */
    public static final int PORT_RETRIES = 3;

    private static final long POLL_MILLIS = 50;
    private static final int LOG_TAIL_LINES = 40;
    private static final int LOG_TAIL_BYTES = 16 * 1024;
    private static final File DEV_NULL = new File("/dev/null");

    private final String name;
    private final Path workDir;
    private final Path logFile;
    private final Duration startupTimeout;
    private final boolean fixedPort;
    private final Reaper.Registration registration;

    private volatile int port;
    private volatile Process process;
    private volatile List<String> commandLine = List.of();
    private boolean prepared;
    private boolean everStarted;
    private boolean closed;

    /**
     * Creates a server that is not started yet.
     *
     * @param name           human-readable name used in messages, e.g. {@code "redis-server"}
     * @param workDir        an existing, fresh directory owned by this server; deleted by {@link #close()}
     * @param logFileName    name of the log file inside {@code workDir}
     * @param port           the port to use, or 0 to allocate a free one (only then is a first start retried
     *                       on another port when the port is taken)
     * @param startupTimeout how long the server has to become ready on each start
     */
    protected ServerProcess(String name, Path workDir, String logFileName, int port, Duration startupTimeout) {
        this.name = Objects.requireNonNull(name, "name");
        this.workDir = Objects.requireNonNull(workDir, "workDir");
        this.logFile = workDir.resolve(logFileName);
        this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
        if (startupTimeout.isNegative() || startupTimeout.isZero()) {
            throw new IllegalArgumentException("startupTimeout must be positive: " + startupTimeout);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.fixedPort = port > 0;
        this.port = fixedPort ? port : FreePorts.next();
        this.registration = Reaper.register(this::emergencyCleanup);
    }

    // ------------------------------------------------------------------ subclass hooks

    /** The full command line for the next launch; may use {@link #port()} and {@link #workDir()}. */
    protected abstract List<String> buildCommand();

    /**
     * One readiness probe, called repeatedly while the process is alive until it returns true or the
     * startup timeout expires. Exceptions count as "not ready yet". Implementations should make sure the
     * server answering is this process (another process may hold the port).
     */
    protected abstract boolean isReady() throws Exception;

    /** Called once, before the first launch (e.g. to create a database cluster). Default: nothing. */
    protected void prepare() throws IOException {
    }

    /** Called once, after the first start became ready (e.g. to create users). Default: nothing. */
    protected void afterFirstStart() throws IOException {
    }

    /** Asks the process to shut down gracefully. Default: SIGTERM. */
    protected void requestStop(ProcessHandle handle) {
        handle.destroy();
    }

    /** Whether the log written since the last launch shows that the port was already taken. */
    protected boolean isPortConflict(String logSinceLaunch) {
        return logSinceLaunch.contains("Address already in use");
    }

    /** Edits the environment of the server process before launch. Default: inherit this JVM's. */
    protected void configureEnvironment(Map<String, String> environment) {
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts the server and waits until it is ready; does nothing if it is already running. Later starts
     * reuse the same port and working directory, so data that survived a {@link #stop()} or
     * {@link #kill()} is still there.
     *
     * @throws ServerStartException  if it exits early or is not ready within the startup timeout; the
     *                               message holds the command and the log tail
     * @throws IllegalStateException if the server was closed
     */
    public final synchronized void start() {
        if (closed) {
            throw new IllegalStateException(name + " on port " + port + " was closed; create a new one");
        }
        if (isRunning()) {
            return;
        }
        if (!prepared) {
            try {
                prepare();
            } catch (IOException e) {
                throw new ServerStartException("could not prepare " + name + " in " + workDir + ": " + e.getMessage(), e);
            }
            prepared = true;
        }
        int attempts = everStarted || fixedPort ? 1 : 1 + PORT_RETRIES;
        for (int attempt = 1;; attempt++) {
            try {
                launchAndAwaitReady(attempt);
                break;
            } catch (PortConflictException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                port = FreePorts.next();
            }
        }
        if (!everStarted) {
            try {
                afterFirstStart();
            } catch (IOException | RuntimeException e) {
                killQuietly();
                throw new ServerStartException(name + " started on port " + port
                        + " but its post-start setup failed: " + e.getMessage(), e);
            }
            everStarted = true;
        }
    }

    private void launchAndAwaitReady(int attempt) {
        List<String> cmd = List.copyOf(buildCommand());
        commandLine = cmd;
        long logOffset;
        try {
            Files.writeString(logFile, "\n--- hotset-testkit: starting " + name + " (attempt " + attempt + "): "
                    + render(cmd) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logOffset = Files.size(logFile);
        } catch (IOException e) {
            throw new ServerStartException("cannot write log file " + logFile + ": " + e.getMessage(), e);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        configureEnvironment(pb.environment());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ServerStartException("cannot execute " + name + ": " + e.getMessage() + "\n  command: "
                    + render(cmd), e);
        }
        process = p;
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        Exception lastProbeFailure = null;
        while (true) {
            if (!p.isAlive()) {
                String log = readLog(logOffset);
                String what = name + " exited with code " + p.exitValue() + " before it became ready on "
                        + host() + ":" + port;
                if (!fixedPort && isPortConflict(log)) {
                    throw new PortConflictException(failureMessage(what + " (port already in use)", logOffset));
                }
                throw new ServerStartException(failureMessage(what, logOffset));
            }
            boolean ready;
            try {
                ready = isReady();
            } catch (Exception e) {
                ready = false;
                lastProbeFailure = e;
            }
            if (ready && p.isAlive()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                killQuietly();
                String what = name + " (pid " + p.pid() + ") did not become ready on " + host() + ":" + port
                        + " within " + startupTimeout.toSeconds() + " s"
                        + (lastProbeFailure == null ? "" : "; last probe failure: " + lastProbeFailure);
                throw new ServerStartException(failureMessage(what, logOffset));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killQuietly();
                throw new ServerStartException("interrupted while waiting for " + name + " to become ready", e);
            }
        }
    }

    /**
     * Stops the server gracefully ({@link #requestStop}, SIGTERM by default), waits up to
     * {@link #STOP_TIMEOUT} and then SIGKILLs it and its descendants. Does nothing if it is not running.
     * {@link #start()} brings it back on the same port with the same data.
     */
    public final synchronized void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = ProcessTree.descendants(p.toHandle());
        requestStop(p.toHandle());
        boolean exited;
        try {
            exited = p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        if (!exited) {
            kill();
            return;
        }
        List<ProcessHandle> left = ProcessTree.awaitGone(descendants, Duration.ofSeconds(5));
        if (!left.isEmpty()) {
            left.forEach(ProcessHandle::destroyForcibly);
            ProcessTree.awaitGone(left, Duration.ofSeconds(5));
        }
    }

    /**
     * Simulates a crash: SIGKILL ({@code kill -9}) of the server process and of all its descendants
     * (captured before killing), then waits until they are all gone. Does nothing if it is not running.
     * {@link #start()} brings it back on the same port with the same data directory.
     *
     * @throws IllegalStateException if some process survives SIGKILL for 10 seconds
     */
    public final synchronized void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        ProcessTree.killTree(p.toHandle(), true, STOP_TIMEOUT);
        try {
            p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop()} followed by {@link #start()}: same port, same data. */
    public final synchronized void restart() {
        stop();
        start();
    }

    /** Whether the server process is currently alive (started and not yet exited). */
    public final boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * The PID of the current server process, or of the last one if it has exited.
     *
     * @throws IllegalStateException if the server was never launched
     */
    public final long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(name + " has not been started");
        }
        return p.pid();
    }

    /**
     * Stops the server (SIGKILL if the graceful stop fails) and deletes its working directory with all
     * data and logs. Idempotent; a closed server cannot be started again.
     */
    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } catch (RuntimeException e) {
            killQuietly();
        } finally {
            registration.unregister();
            TempDirs.deleteQuietly(workDir);
        }
    }

    // ------------------------------------------------------------------ accessors

    /** The host the server listens on: always {@code 127.0.0.1}. */
    public final String host() {
        return FreePorts.LOOPBACK;
    }

    /** The TCP port; fixed from the first successful start on (a first start may move to another port). */
    public final int port() {
        return port;
    }

    /** Human-readable name of the server, e.g. {@code "redis-server"}. */
    public final String name() {
        return name;
    }

    /** The server's private temporary working directory (deleted by {@link #close()}). */
    public final Path workDir() {
        return workDir;
    }

    /** The file receiving the server's stdout and stderr across all starts. */
    public final Path logFile() {
        return logFile;
    }

    /** The command line of the most recent launch (empty before the first). */
    public final List<String> commandLine() {
        return commandLine;
    }

    /** Whether {@link #close()} was called. */
    public final synchronized boolean isClosed() {
        return closed;
    }

    /** The last {@code maxLines} lines of {@link #logFile()}, or an empty string if there is none. */
    public final String logTail(int maxLines) {
        return tail(readLog(0), maxLines);
    }

    @Override
    public String toString() {
        return name + "[" + host() + ":" + port + (isRunning() ? ", pid " + pid() : ", not running") + "]";
    }

    // ------------------------------------------------------------------ helpers

    private void killQuietly() {
        try {
            kill();
        } catch (RuntimeException e) {
            // best effort
        }
    }

    /** Runs from the shutdown hook without taking the monitor: a test thread may hold it forever. */
    private void emergencyCleanup() {
        Process p = process;
        if (p != null && p.isAlive()) {
            try {
                ProcessTree.killTree(p.toHandle(), false, Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // best effort
            }
        }
        TempDirs.deleteQuietly(workDir);
    }

    private String failureMessage(String what, long logOffset) {
        return what + "\n  command: " + render(commandLine) + "\n  log: " + logFile + " (last " + LOG_TAIL_LINES
                + " lines since this launch):\n" + indent(tail(readLog(logOffset), LOG_TAIL_LINES));
    }

    private String readLog(long fromOffset) {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(fromOffset, f.length() - LOG_TAIL_BYTES);
            if (start >= f.length()) {
                return "";
            }
            byte[] buf = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text, int maxLines) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n")));
        lines.removeIf(String::isEmpty);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
    }

    private static String indent(String text) {
        if (text.isEmpty()) {
            return "    | (empty)";
        }
        return Arrays.stream(text.split("\n")).map(l -> "    | " + l).collect(Collectors.joining("\n"));
    }

    /** Renders a command line with shell-style quoting of empty or special arguments, for messages. */
    static String render(List<String> cmd) {
        return cmd.stream()
                .map(a -> a.isEmpty() || !a.matches("[A-Za-z0-9_@%+=:,./-]+") ? "'" + a.replace("'", "'\\''") + "'" : a)
                .collect(Collectors.joining(" "));
    }

    private static final class PortConflictException extends ServerStartException {
        PortConflictException(String message) {
            super(message);
        }
    }
}
