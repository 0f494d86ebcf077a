package io.hotset.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Small operating-system queries (user id, PATH lookup). Not API. */
public final class Os {
    private static volatile Boolean root;

    private Os() {
    }

    /**
     * Whether this JVM runs with effective uid 0. Uses the owner of {@code /proc/self}; falls back to
     * the {@code user.name} system property where {@code /proc} is not available.
     */
    public static boolean isRoot() {
        Boolean r = root;
        if (r == null) {
            r = detectRoot();
            root = r;
        }
        return r;
    }

    private static boolean detectRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (uid instanceof Integer) {
                return (Integer) uid == 0;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether {@code p} is a regular file this process may execute. */
    public static boolean isExecutableFile(Path p) {
        return p != null && Files.isRegularFile(p) && Files.isExecutable(p);
    }

    /** Finds an executable named {@code name} on a PATH-style string; empty when absent or PATH is null. */
    public static Optional<Path> findOnPath(String name, String pathVar) {
        if (pathVar == null || pathVar.isEmpty()) {
            return Optional.empty();
        }
        for (String dir : pathVar.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (isExecutableFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Finds {@code name} on this process's PATH, then in {@code /usr/bin}, {@code /bin}, {@code /usr/sbin}. */
    public static Optional<Path> findSystemTool(String name) {
        Optional<Path> found = findOnPath(name, System.getenv("PATH"));
        if (found.isPresent()) {
            return found;
        }
        for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
            Path p = Path.of(dir, name);
            if (isExecutableFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
