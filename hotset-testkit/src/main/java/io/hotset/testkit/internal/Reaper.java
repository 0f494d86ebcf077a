package io.hotset.testkit.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JVM shutdown hook that runs the registered cleanups (kill the servers the kit started, delete their
 * temp dirs) if the tests did not close them. A safety net only: normal cleanup is {@code close()}. Not API.
 */
public final class Reaper {
    private static final Set<Registration> REGISTERED = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private Reaper() {
    }

    /** A registered cleanup; {@link #unregister()} once the owner cleaned up by itself. */
    public static final class Registration {
        private final Runnable cleanup;

        private Registration(Runnable cleanup) {
            this.cleanup = cleanup;
        }

        /** Removes the cleanup from the shutdown hook. Idempotent. */
        public void unregister() {
            REGISTERED.remove(this);
        }
    }

    /** Registers {@code cleanup} to run at JVM shutdown unless unregistered first. */
    public static Registration register(Runnable cleanup) {
        installHook();
        Registration r = new Registration(cleanup);
        REGISTERED.add(r);
        return r;
    }

    /** Number of live registrations; for tests. */
    public static int registeredCount() {
        return REGISTERED.size();
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        synchronized (Reaper.class) {
            if (hookInstalled) {
                return;
            }
            Thread hook = new Thread(Reaper::runAll, "hotset-testkit-reaper");
            Runtime.getRuntime().addShutdownHook(hook);
            hookInstalled = true;
        }
    }

    private static void runAll() {
        for (Registration r : REGISTERED) {
            try {
                r.cleanup.run();
            } catch (Throwable t) {
                // keep going: every server must get its chance to be killed
            }
        }
        REGISTERED.clear();
    }
}
