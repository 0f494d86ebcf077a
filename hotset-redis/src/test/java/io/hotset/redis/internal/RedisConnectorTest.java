package io.hotset.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.redis.HotsetRedis;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectorTest {

  @Test
  void parsesStandaloneTlsSentinelAndClusterSeeds() {
    assertThat(RedisConnector.parse("redis://127.0.0.1:6379", Duration.ofMillis(100))).hasSize(1);
    RedisURI tls = RedisConnector.parse("rediss://app:secret@127.0.0.1:6380", Duration.ofMillis(100)).get(0);
    assertThat(tls.isSsl()).isTrue();
    assertThat(tls.getUsername()).isEqualTo("app");
    RedisURI sentinel = RedisConnector.parse("redis-sentinel://127.0.0.1:26379#mymaster", Duration.ofMillis(100)).get(0);
    assertThat(sentinel.getSentinelMasterId()).isEqualTo("mymaster");
    List<RedisURI> seeds = RedisConnector.parse("127.0.0.1:7000, 127.0.0.1:7001,redis://127.0.0.1:7002",
        Duration.ofMillis(100));
    assertThat(seeds).extracting(RedisURI::getPort).containsExactly(7000, 7001, 7002);
  }

  @Test
  void secretsNeverAppearInErrors() {
    assertThat(RedisConnector.redact("redis://app:s3cret@h:1,rediss://:pw@h:2")).doesNotContain("s3cret", "pw@")
        .contains("//***@h:1");
    assertThatThrownBy(() -> RedisConnector.parse("bogus://app:s3cret@host:1", Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("s3cret");
    // a space makes the URI parser quote the whole URL in its message; a '/' in a password
    // defeated the first redaction
    assertThatThrownBy(() -> RedisConnector.parse("redis://app:s3cret pw@127.0.0.1:6379", Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasNoCause().message().doesNotContain("s3cret");
    assertThat(RedisConnector.redact("redis://:pa/ss@h:1")).doesNotContain("pa/ss");
    // nothing listens on port 1: the connection error names host:port only
    assertThatThrownBy(() -> HotsetRedis.builder().url("redis://app:s3cret@127.0.0.1:1").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("127.0.0.1:1").message().doesNotContain("s3cret");
  }

  @Test
  void builderRejectsBadSettingsWithTheValue() {
    assertThatThrownBy(() -> HotsetRedis.builder().build()).hasMessageContaining("url is required");
    assertThatThrownBy(() -> HotsetRedis.builder().url("redis://h:1").keyPrefix("has space").build())
        .hasMessageContaining("'has space'");
    assertThatThrownBy(() -> HotsetRedis.builder().url("redis://h:1").maxValueBytes(10).build())
        .hasMessageContaining("was 10");
    assertThatThrownBy(() -> HotsetRedis.builder().url("redis://h:1").commandTimeout(Duration.ZERO).build())
        .hasMessageContaining("PT0S");
  }
}
