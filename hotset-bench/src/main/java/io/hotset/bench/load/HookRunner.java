package io.hotset.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs hooks ({@code /bin/sh -c <command>}) without waiting for them, and at the end collects how
 * each went, killing any that outlived the hook timeout. A hook that cannot start is reported with
 * its error as output and exit code 127, like a shell would.
 */
final class HookRunner {
  private static final int MAX_OUTPUT = 4096;

  private final long originNanos;
  private final Duration timeout;
  private final List<Running> running = new ArrayList<>();

  private static final class Running {
    final Hook hook;
    final double startedSeconds;
    final long startNanos;
    final Process process;
    final Thread reader;
    final ByteArrayOutputStream output = new ByteArrayOutputStream();
    volatile long endNanos;
    String error;

    Running(Hook hook, double startedSeconds, long startNanos, Process process) {
      this.hook = hook;
      this.startedSeconds = startedSeconds;
      this.startNanos = startNanos;
      this.process = process;
      this.reader = process == null ? null : new Thread(this::drain, "load-hook-output");
    }

    private void drain() {
      byte[] buf = new byte[1024];
      try (InputStream in = process.getInputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (output) {
            int room = MAX_OUTPUT - output.size();
            if (room > 0) {
              output.write(buf, 0, Math.min(room, n));
            }
          }
        }
      } catch (IOException ignored) {
        // the process was killed; what was read so far is kept
      }
    }
  }

  /** @param originNanos {@link System#nanoTime()} of the start of the measurement */
  HookRunner(long originNanos, Duration timeout) {
    this.originNanos = originNanos;
    this.timeout = timeout;
  }

  /** Starts {@code hook} now. */
  void start(Hook hook) {
    long now = System.nanoTime();
    double started = (now - originNanos) / 1e9;
    Running r;
    try {
      Process p = new ProcessBuilder("/bin/sh", "-c", hook.command()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      r = new Running(hook, started, now, p);
      r.reader.setDaemon(true);
      r.reader.start();
      Running done = r;
      p.onExit().thenRun(() -> done.endNanos = System.nanoTime());
    } catch (IOException e) {
      r = new Running(hook, started, now, null);
      r.error = e.toString();
      r.endNanos = now;
    }
    synchronized (running) {
      running.add(r);
    }
  }

  /** Waits (each hook at most until its timeout) and reports every hook started so far. */
  List<LoadResult.HookRun> finish() throws InterruptedException {
    List<LoadResult.HookRun> out = new ArrayList<>();
    List<Running> all;
    synchronized (running) {
      all = new ArrayList<>(running);
    }
    for (Running r : all) {
      Integer exit = null;
      String output;
      if (r.process == null) {
        exit = 127;
        output = r.error;
      } else {
        long left = r.startNanos + timeout.toNanos() - System.nanoTime();
        if (r.process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          exit = r.process.exitValue();
        } else {
          r.process.descendants().forEach(ProcessHandle::destroyForcibly);
          r.process.destroyForcibly();
          r.process.waitFor(2, TimeUnit.SECONDS);
        }
        r.reader.join(1000);
        synchronized (r.output) {
          output = r.output.toString(StandardCharsets.UTF_8);
        }
        if (exit == null) {
          output = output + "[killed after the hook timeout of " + Durations.format(timeout) + "]";
        }
      }
      Double finished = exit == null || r.endNanos == 0 ? null : (r.endNanos - originNanos) / 1e9;
      out.add(new LoadResult.HookRun(r.hook.command(), Durations.seconds(r.hook.at()), r.startedSeconds, finished,
          exit, output));
    }
    return out;
  }
}
