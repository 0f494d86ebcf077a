package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@WithRedis(aclUsers = {"app:s3cret", "reader:r:pw"}, args = {"--requirepass", "adminpw"})
class RedisAclIT {

    @Test
    void aclUserCanAuthenticate(RedisServer redis) {
        assertThat(redis.aclUsers()).containsExactly(Map.entry("app", "s3cret"), Map.entry("reader", "r:pw"));
        assertThat(redis.commandAs("app", "s3cret", "PING")).isEqualTo("PONG");
        assertThat(redis.commandAs("app", "s3cret", "ACL", "WHOAMI")).isEqualTo("app");
        assertThat(redis.commandAs("reader", "r:pw", "ACL", "WHOAMI")).isEqualTo("reader");
        assertThat(redis.commandAs("app", "s3cret", "SET", "k", "v")).isEqualTo("OK");
        assertThat(redis.command("GET", "k")).isEqualTo("v");
        assertThat(redis.command("ACL", "WHOAMI")).as("--requirepass still protects the default user")
                .isEqualTo("default");
        assertThat(redis.command("ACL", "GETUSER", "app").toString()).contains("~*").contains("+@all");
    }

    @Test
    void wrongPasswordFailsWithAClearError(RedisServer redis) {
        assertThatThrownBy(() -> redis.commandAs("app", "wrong", "PING"))
                .isInstanceOf(RedisErrorException.class)
                .hasMessageContaining("AUTH app")
                .hasMessageContaining("WRONGPASS")
                .hasMessageNotContaining("wrong ")
                .satisfies(e -> assertThat(((RedisErrorException) e).reply()).startsWith("WRONGPASS"));
        assertThatThrownBy(() -> redis.commandAs("nobody", "s3cret", "PING"))
                .isInstanceOf(RedisErrorException.class)
                .satisfies(e -> assertThat(((RedisErrorException) e).reply()).startsWith("WRONGPASS"));
    }

    @Test
    void unauthenticatedClientsGetNoauth(RedisServer redis) throws IOException {
        assertThat(RedisServerIT.rawPing(redis.port())).startsWith("-NOAUTH");
    }

    @Test
    void aclUsersSurviveARestart(RedisServer redis) {
        redis.kill();
        redis.start();
        assertThat(redis.commandAs("app", "s3cret", "ACL", "WHOAMI")).isEqualTo("app");
    }

    @Test
    void aclUserOverTls() {
        try (RedisServer tls = RedisServer.builder().tls().aclUser("app", "pw").start()) {
            assertThat(tls.commandAs("app", "pw", "ACL", "WHOAMI")).isEqualTo("app");
            assertThat(tls.command("ACL", "WHOAMI")).as("default user has no password").isEqualTo("default");
            assertThat(tls.uri()).startsWith("rediss://");
            assertThatThrownBy(() -> tls.commandAs("app", "nope", "PING"))
                    .isInstanceOf(RedisErrorException.class).hasMessageContaining("WRONGPASS");
        }
    }

    @Test
    void builderRejectsTheDefaultUser() {
        assertThatThrownBy(() -> RedisServer.builder().aclUser("default", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--requirepass");
        assertThatThrownBy(() -> RedisServer.builder().aclUser("a b", "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(RedisServer.builder().aclUser("u", "p"))).hasSize(1);
    }
}
