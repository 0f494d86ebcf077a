package io.hotset.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.testkit.RedisServer;
import io.hotset.testkit.WithRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** AUTH with an ACL user over TLS against a real TLS-enabled redis-server; secrets never in errors. */
@WithRedis(tls = true, aclUsers = {"app:s3cret-pw"})
class SecurityIT {

  @Test
  void aclUserOverTls(RedisServer redis) {
    String url = redis.uri().replace("rediss://", "rediss://app:s3cret-pw@");
    try (HotsetRedis r = HotsetRedis.builder().url(url).keyPrefix("sec").tlsCaCertificate(redis.caCertificate()).build();
        Hotset hotset = Hotset.builder().l2(r.tier()).invalidationTransport(r.invalidations()).build()) {
      Region<String, String> region = hotset.region(RegionSpec.builder("s", String.class, String.class)
          .ttl(Duration.ofMinutes(1)).loader(k -> "v" + k).build());
      assertThat(region.get("1")).isEqualTo("v1");
      assertThat(redis.commandAs("app", "s3cret-pw", "EXISTS", "sec:{s:1}")).isEqualTo(1L);
      assertThat(r.health().up()).isTrue();
      assertThat(r.health().toString()).doesNotContain("s3cret");
    }
  }

  @Test
  void wrongPasswordOrNoTlsFailsClearlyWithoutTheSecret(RedisServer redis) {
    String wrong = redis.uri().replace("rediss://", "rediss://app:wrong-s3cret@");
    assertThatThrownBy(() -> HotsetRedis.builder().url(wrong).tlsCaCertificate(redis.caCertificate()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("127.0.0.1:" + redis.port())
        .message().doesNotContain("wrong-s3cret");
    String plain = redis.uri().replace("rediss://", "redis://app:s3cret-pw@");
    assertThatThrownBy(() -> HotsetRedis.builder().url(plain).commandTimeout(Duration.ofMillis(500)).build())
        .isInstanceOf(IllegalStateException.class)
        .message().doesNotContain("s3cret-pw");
  }
}
