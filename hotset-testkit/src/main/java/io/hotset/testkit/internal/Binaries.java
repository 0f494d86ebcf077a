package io.hotset.testkit.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the server executables: {@code redis-server} via {@code HOTSET_REDIS_SERVER} or PATH, the
 * PostgreSQL bin directory via {@code HOTSET_PG_BIN} or the Debian layout. Errors say how to fix it. Not API.
 */
public final class Binaries {
    /** Environment variable naming the redis-server executable. */
    public static final String REDIS_ENV = "HOTSET_REDIS_SERVER";
    /** Environment variable naming the PostgreSQL bin directory (holding postgres, initdb, psql, pg_isready). */
    public static final String PG_BIN_ENV = "HOTSET_PG_BIN";
    /** The script that installs the servers, referenced from every error message. */
    public static final String INSTALL_SCRIPT = "scripts/install-test-deps.sh";
    /** Executables a PostgreSQL bin directory must contain to be usable. */
    public static final List<String> PG_TOOLS = List.of("postgres", "initdb", "pg_isready", "psql");

    /** Where redis-server is looked for when it is not on PATH. */
    public static final List<Path> DEFAULT_REDIS_LOCATIONS = List.of(Path.of("/usr/bin/redis-server"));
    /** PostgreSQL bin directories tried in order when {@code HOTSET_PG_BIN} is not set. */
    public static final List<Path> DEFAULT_PG_BIN_DIRS = List.of(
            Path.of("/usr/lib/postgresql/15/bin"),
            Path.of("/usr/lib/postgresql/16/bin"),
            Path.of("/usr/lib/postgresql/17/bin"),
            Path.of("/usr/lib/postgresql/14/bin"));

    private final Map<String, String> env;
    private final List<Path> redisLocations;
    private final List<Path> pgBinDirs;

    /** A lookup against {@code env} (including its PATH) and the given fallback locations. */
    public Binaries(Map<String, String> env, List<Path> redisLocations, List<Path> pgBinDirs) {
        this.env = Map.copyOf(env);
        this.redisLocations = List.copyOf(redisLocations);
        this.pgBinDirs = List.copyOf(pgBinDirs);
    }

    /** The lookup used by the servers: this process's environment and the default locations. */
    public static Binaries system() {
        return new Binaries(System.getenv(), DEFAULT_REDIS_LOCATIONS, DEFAULT_PG_BIN_DIRS);
    }

    private String env(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * The redis-server executable.
     *
     * @throws IllegalStateException naming every place looked at and the install script, if none is usable
     */
    public Path redisServer() {
        String fromEnv = env(REDIS_ENV);
        if (fromEnv != null) {
            Path p = Path.of(fromEnv);
            if (Os.isExecutableFile(p)) {
                return p;
            }
            throw new IllegalStateException(REDIS_ENV + "=" + fromEnv
                    + " is not an executable file. Point it at a redis-server binary, or unset it and run "
                    + INSTALL_SCRIPT + " to install redis-server.");
        }
        String path = env.get("PATH");
        Optional<Path> onPath = Os.findOnPath("redis-server", path);
        if (onPath.isPresent()) {
            return onPath.get();
        }
        for (Path p : redisLocations) {
            if (Os.isExecutableFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("redis-server not found: " + REDIS_ENV + " is not set, it is not on PATH ("
                + (path == null ? "PATH not set" : path) + ") and not at " + redisLocations
                + ". Run " + INSTALL_SCRIPT + " to install it, or set " + REDIS_ENV
                + "=/path/to/redis-server.");
    }

    /**
     * The PostgreSQL bin directory.
     *
     * @throws IllegalStateException naming every directory looked at and the install script, if none is usable
     */
    public Path postgresBinDir() {
        String fromEnv = env(PG_BIN_ENV);
        if (fromEnv != null) {
            Path dir = Path.of(fromEnv);
            List<String> missing = missingPgTools(dir);
            if (missing.isEmpty()) {
                return dir;
            }
            throw new IllegalStateException(PG_BIN_ENV + "=" + fromEnv + " is not a PostgreSQL bin directory: missing "
                    + missing + ". Point it at a directory holding " + PG_TOOLS + ", or unset it and run "
                    + INSTALL_SCRIPT + " to install PostgreSQL 15.");
        }
        List<String> tried = new ArrayList<>();
        for (Path dir : pgBinDirs) {
            List<String> missing = missingPgTools(dir);
            if (missing.isEmpty()) {
                return dir;
            }
            tried.add(dir + " (missing " + missing + ")");
        }
        throw new IllegalStateException("PostgreSQL not found: " + PG_BIN_ENV + " is not set and none of "
                + tried + " is usable. Run " + INSTALL_SCRIPT + " to install PostgreSQL 15, or set "
                + PG_BIN_ENV + "=/path/to/postgresql/bin.");
    }

    private static List<String> missingPgTools(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String tool : PG_TOOLS) {
            if (!Os.isExecutableFile(dir.resolve(tool))) {
                missing.add(tool);
            }
        }
        return missing;
    }

    /**
     * The {@code setpriv} executable (util-linux), needed to run PostgreSQL as the {@code postgres}
     * user when the tests run as root.
     *
     * @throws IllegalStateException if it is not installed
     */
    public static Path setpriv() {
        return Os.findSystemTool("setpriv").orElseThrow(() -> new IllegalStateException(
                "setpriv (util-linux) not found; it is needed to run PostgreSQL as the 'postgres' user because "
                        + "the tests run as root. Install util-linux, or run the tests as a non-root user."));
    }
}
