package io.hotset.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Dead-letter streams and counter totals reject bad names and bounds, quoting them (no Redis needed). */
class WriteBehindArgumentsTest {

  @Test
  void deadLetterStreamsRejectBadNamesAndBoundsQuotingThem() {
    assertThatThrownBy(() -> new RedisDeadLetterStream(null, "app:", "has space", 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'has space'");
    assertThatThrownBy(() -> new RedisDeadLetterStream(null, "app:", "", 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was ''");
    assertThatThrownBy(() -> new RedisDeadLetterStream(null, "app:", null, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 'null'");
    assertThatThrownBy(() -> new RedisDeadLetterStream(null, "app:", "views", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'views'")
        .hasMessageContaining("maxLength must be >= 1, was 0");
    assertThatThrownBy(() -> new RedisDeadLetterStream(null, "app:", "views", -5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was -5");
    RedisDeadLetterStream dlq = new RedisDeadLetterStream(null, "app:", "views", 1);
    assertThat(dlq.key()).isEqualTo("app:dlq:views");
    assertThatThrownBy(() -> dlq.read(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("app:dlq:views").hasMessageContaining("max must be >= 1, was 0");
  }

  @Test
  void counterTotalsRejectBadNamesQuotingThem() {
    assertThatThrownBy(() -> new RedisCounterTotals(null, "app:", "a/b:c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a/b:c'");
    assertThatThrownBy(() -> new RedisCounterTotals(null, "app:", "x".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + "x".repeat(65) + "'");
    assertThat(new RedisCounterTotals(null, "app:", "views").key("42")).isEqualTo("app:ctr:views:42");
  }
}
