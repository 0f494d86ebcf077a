package io.hotset.testkit.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the server groups (replica set, cluster, sentinel setup) share: bounded waits and closing. Not API. */
public final class Groups {
    private Groups() {
    }

    /** One look at a group's state: null when it is as wanted, else what is still wrong. */
    @FunctionalInterface
    public interface Probe {
        String problem() throws Exception;
    }

    /**
     * Polls {@code probe} every {@code pollMillis} until it reports no problem; an exception it throws
     * counts as the problem.
     *
     * @throws IllegalStateException after {@code timeout}, naming {@code what} and the last problem, or
     *     when interrupted
     */
    public static void await(String what, Duration timeout, long pollMillis, Probe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String problem;
            try {
                problem = probe.problem();
            } catch (Exception e) {
                problem = e.toString();
            }
            if (problem == null) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + "; last problem: " + problem);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    /** A server of a group, closed by {@link #closeAll}. */
    @FunctionalInterface
    public interface Closer {
        void close();
    }

    /**
     * Closes every server in order, even when one fails; then throws the first failure, with the
     * later ones suppressed in it.
     */
    public static void closeAll(List<? extends Closer> servers) {
        RuntimeException failure = null;
        for (Closer s : servers) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
