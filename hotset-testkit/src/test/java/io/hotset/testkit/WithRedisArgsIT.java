package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

@WithRedis(args = {"--maxmemory", "5mb", "--maxmemory-policy", "allkeys-lru"})
class WithRedisArgsIT {

    @Test
    void annotationArgsReachTheServer(RedisServer redis) {
        assertThat(redis.extraArgs()).containsExactly("--maxmemory", "5mb", "--maxmemory-policy", "allkeys-lru");
        assertThat(redis.command("CONFIG", "GET", "maxmemory")).isEqualTo(List.of("maxmemory", "5242880"));
        assertThat(redis.command("CONFIG", "GET", "maxmemory-policy"))
                .isEqualTo(List.of("maxmemory-policy", "allkeys-lru"));
    }
}
