package io.hotset.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinariesTest {
    @TempDir
    Path tmp;

    private static Path executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static Path pgBinDir(Path dir) throws IOException {
        for (String tool : Binaries.PG_TOOLS) {
            executable(dir.resolve(tool));
        }
        return dir;
    }

    @Test
    void redisFromEnvThatIsMissingFailsNamingTheVariableAndTheInstallScript() {
        Path missing = tmp.resolve("nope/redis-server");
        Binaries b = new Binaries(Map.of(Binaries.REDIS_ENV, missing.toString()), List.of(), List.of());
        assertThatThrownBy(b::redisServer)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HOTSET_REDIS_SERVER=" + missing)
                .hasMessageContaining("scripts/install-test-deps.sh");
    }

    @Test
    void redisNowhereFailsListingWhereItLooked() {
        Path emptyPathDir = tmp.resolve("emptybin");
        Path fallback = tmp.resolve("usr/bin/redis-server");
        Binaries b = new Binaries(Map.of("PATH", emptyPathDir.toString()), List.of(fallback), List.of());
        assertThatThrownBy(b::redisServer)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("redis-server not found")
                .hasMessageContaining(emptyPathDir.toString())
                .hasMessageContaining(fallback.toString())
                .hasMessageContaining("HOTSET_REDIS_SERVER")
                .hasMessageContaining("scripts/install-test-deps.sh");
    }

    @Test
    void redisIsFoundOnPathThenFallbackAndEnvWins() throws IOException {
        Path onPath = executable(tmp.resolve("bin/redis-server"));
        Path fallback = executable(tmp.resolve("fallback/redis-server"));
        Path fromEnv = executable(tmp.resolve("env/redis-server"));

        assertThat(new Binaries(Map.of("PATH", "/nonexistent:" + onPath.getParent()), List.of(fallback), List.of())
                .redisServer()).isEqualTo(onPath);
        assertThat(new Binaries(Map.of("PATH", "/nonexistent"), List.of(fallback), List.of()).redisServer())
                .isEqualTo(fallback);
        assertThat(new Binaries(Map.of("PATH", onPath.getParent().toString(), Binaries.REDIS_ENV, fromEnv.toString()),
                List.of(fallback), List.of()).redisServer()).isEqualTo(fromEnv);
    }

    @Test
    void pgBinFromEnvWithoutToolsFailsListingMissingTools() throws IOException {
        Path dir = tmp.resolve("pgbin");
        executable(dir.resolve("postgres"));
        Binaries b = new Binaries(Map.of(Binaries.PG_BIN_ENV, dir.toString()), List.of(), List.of());
        assertThatThrownBy(b::postgresBinDir)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HOTSET_PG_BIN=" + dir)
                .hasMessageContaining("[initdb, pg_isready, psql]")
                .hasMessageContaining("scripts/install-test-deps.sh");
    }

    @Test
    void pgNowhereFailsListingEveryDirectoryTried() {
        Path v15 = tmp.resolve("15/bin");
        Path v16 = tmp.resolve("16/bin");
        Binaries b = new Binaries(Map.of(), List.of(), List.of(v15, v16));
        assertThatThrownBy(b::postgresBinDir)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PostgreSQL not found")
                .hasMessageContaining(v15.toString())
                .hasMessageContaining(v16.toString())
                .hasMessageContaining("HOTSET_PG_BIN")
                .hasMessageContaining("scripts/install-test-deps.sh");
    }

    @Test
    void pgUsesFirstCompleteDefaultDirUnlessEnvIsSet() throws IOException {
        Path incomplete = tmp.resolve("15/bin");
        executable(incomplete.resolve("postgres"));
        Path v16 = pgBinDir(tmp.resolve("16/bin"));
        Path v17 = pgBinDir(tmp.resolve("17/bin"));
        Path custom = pgBinDir(tmp.resolve("custom/bin"));

        assertThat(new Binaries(Map.of(), List.of(), List.of(incomplete, v16, v17)).postgresBinDir()).isEqualTo(v16);
        assertThat(new Binaries(Map.of(Binaries.PG_BIN_ENV, custom.toString()), List.of(), List.of(v16))
                .postgresBinDir()).isEqualTo(custom);
    }

    @Test
    void defaultPgSearchOrderIs15Then16Then17Then14() {
        assertThat(Binaries.DEFAULT_PG_BIN_DIRS).extracting(Path::toString).containsExactly(
                "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
                "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/14/bin");
    }
}
