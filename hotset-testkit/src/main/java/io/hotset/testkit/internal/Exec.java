package io.hotset.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a short-lived command (initdb, psql, pg_isready, ...) and captures its output. Not API. */
public final class Exec {
    private Exec() {
    }

    /** Exit code and captured output of a finished command. */
    public static final class Result {
        private final int exitCode;
        private final String stdout;
        private final String stderr;

        Result(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The exit code. */
        public int exitCode() {
            return exitCode;
        }

        /** Everything the command wrote to stdout, decoded as UTF-8. */
        public String stdout() {
            return stdout;
        }

        /** Everything the command wrote to stderr, decoded as UTF-8. */
        public String stderr() {
            return stderr;
        }
    }

    /**
     * Runs {@code command} in {@code dir}, feeding {@code stdin} (may be null), and waits up to
     * {@code timeout}; on timeout the command and its descendants are killed and an IOException is thrown.
     *
     * @param env edits the child's environment (inherited from this JVM) before it starts; may be null
     */
    public static Result run(List<String> command, Path dir, Consumer<Map<String, String>> env, String stdin,
            Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        if (env != null) {
            env.accept(pb.environment());
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outPump = pump(p.getInputStream(), out, "stdout");
        Thread errPump = pump(p.getErrorStream(), err, "stderr");
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command may exit without reading its stdin
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                ProcessTree.killTree(p.toHandle(), false, Duration.ofSeconds(5));
                throw new IOException("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command));
            }
            outPump.join(5_000);
            errPump.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        synchronized (out) {
            synchronized (err) {
                return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (sink) {
                        sink.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "hotset-testkit-exec-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
