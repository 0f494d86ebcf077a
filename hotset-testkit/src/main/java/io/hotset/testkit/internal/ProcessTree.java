package io.hotset.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Signals and reaps a process and its descendants, addressed only by the {@link ProcessHandle}s of
 * processes the kit started (a handle also guards against PID reuse). Not API.
 */
public final class ProcessTree {
    private static final long POLL_MILLIS = 20;

    private ProcessTree() {
    }

    /**
     * SIGKILLs {@code root} and all its descendants, then waits until every one of them is gone.
     * When {@code freeze} is set, {@code root} is first sent SIGSTOP so it cannot fork new children
     * between taking the snapshot of its descendants and killing it.
     *
     * @throws IllegalStateException if some process is still alive after {@code timeout}
     */
    public static void killTree(ProcessHandle root, boolean freeze, Duration timeout) {
        if (isGone(root)) {
            return;
        }
        if (freeze) {
            signal(root.pid(), "STOP");
        }
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        all.addAll(descendants(root));
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        List<ProcessHandle> left = awaitGone(all, timeout);
        if (!left.isEmpty()) {
            throw new IllegalStateException("processes still alive " + timeout.toMillis()
                    + " ms after SIGKILL: " + pids(left));
        }
    }

    /** Snapshot of the current descendants of {@code root} (children, grandchildren, ...). */
    public static List<ProcessHandle> descendants(ProcessHandle root) {
        try {
            return root.descendants().collect(Collectors.toList());
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Waits until all {@code handles} are gone or {@code timeout} elapses.
     *
     * @return the handles still alive at the end (empty on success)
     */
    public static List<ProcessHandle> awaitGone(Collection<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> left = new ArrayList<>(handles);
        while (true) {
            left.removeIf(ProcessTree::isGone);
            if (left.isEmpty() || System.nanoTime() - deadline > 0) {
                return left;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
    }

    /**
     * Whether the process has exited. A zombie (exited but not yet reaped, e.g. an orphan whose new
     * parent, PID 1 in a container, never reaps) counts as gone: it holds no resources but its PID.
     */
    public static boolean isGone(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        Optional<Character> state = procState(h.pid());
        return state.isPresent() && (state.get() == 'Z' || state.get() == 'X' || state.get() == 'x');
    }

    /** The state letter from {@code /proc/<pid>/stat}, or empty when unknown (no such process, no procfs). */
    public static Optional<Character> procState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return Optional.empty();
            }
            return Optional.of(stat.charAt(close + 2));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Sends signal {@code signal} (a name such as {@code INT}, {@code STOP}) to {@code pid} using the
     * system {@code kill} utility, since the JDK can only send SIGTERM and SIGKILL.
     *
     * @return whether {@code kill} reported success
     */
    public static boolean signal(long pid, String signal) {
        Optional<Path> kill = Os.findSystemTool("kill");
        if (kill.isEmpty()) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(kill.get().toString(), "-s", signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The PIDs of {@code handles}, for messages. */
    public static String pids(Collection<ProcessHandle> handles) {
        return handles.stream().map(h -> Long.toString(h.pid())).collect(Collectors.joining(", ", "[", "]"));
    }
}
