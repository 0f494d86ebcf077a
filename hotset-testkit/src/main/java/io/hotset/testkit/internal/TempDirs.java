package io.hotset.testkit.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Set;
import java.util.stream.Stream;

/** Creation, ownership and deletion of the servers' temporary working directories. Not API. */
public final class TempDirs {
    private static final Set<PosixFilePermission> RWXR_XR_X = PosixFilePermissions.fromString("rwxr-xr-x");

    private TempDirs() {
    }

    /**
     * Creates a fresh directory {@code <tmp>/<prefix>NNNN} with mode 0755. When {@code traversableByOthers}
     * is set and some ancestor of {@code java.io.tmpdir} is not searchable by other users (so that a
     * server running as another user could not reach the directory), {@code /tmp} is used instead.
     */
    public static Path create(String prefix, boolean traversableByOthers) throws IOException {
        Path base = Path.of(System.getProperty("java.io.tmpdir", "/tmp")).toAbsolutePath();
        if (traversableByOthers && !ancestorsSearchableByOthers(base)) {
            base = Path.of("/tmp");
        }
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, prefix);
        Files.setPosixFilePermissions(dir, RWXR_XR_X);
        return dir;
    }

    private static boolean ancestorsSearchableByOthers(Path dir) {
        try {
            for (Path p = dir; p != null; p = p.getParent()) {
                if (!Files.exists(p)) {
                    continue;
                }
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Changes owner and group of {@code dir} and everything below it (not following links). */
    public static void chownRecursively(Path dir, String user, String group) throws IOException {
        UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal owner = lookup.lookupPrincipalByName(user);
        GroupPrincipal grp = lookup.lookupPrincipalByGroupName(group);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setOwner(owner);
                view.setGroup(grp);
            }
        }
    }

    /** Deletes {@code dir} recursively; best effort, never throws. */
    public static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    deleteOne(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    deleteOne(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) {
                    deleteOne(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    private static void deleteOne(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
