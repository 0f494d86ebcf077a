package io.hotset.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.spi.Invalidation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The invalidation message across versions of the fleet (a rolling upgrade). */
class InvalidationMessageTest {
  @Test
  void aPositionTravelsAndAnUnknownOneIsLeftOutForOlderReaders() throws Exception {
    Invalidation with = new Invalidation("product", List.of("1"), List.of("t"), "a", "cdc", 1_000L, 0x1_6B37_4D48L);
    assertThat(RedisInvalidationTransport.decode(RedisInvalidationTransport.encode(with))).isEqualTo(with);
    Invalidation without = new Invalidation("product", List.of("2"), List.of(), "a", "api", 2_000L);
    String json = new String(RedisInvalidationTransport.encode(without), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("sourcePosition").contains("\"keys\":[\"2\"]");
    assertThat(RedisInvalidationTransport.decode(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(without);
  }

  @Test
  void aMessageFromANewerPublisherWithFieldsThisVersionLacksStillInvalidates() throws Exception {
    String newer = "{\"region\":\"product\",\"keys\":[\"3\"],\"tags\":[],\"origin\":\"b\",\"source\":\"cdc\","
        + "\"issuedAtMillis\":5,\"sourcePosition\":7,\"somethingNew\":{\"x\":1}}";
    Invalidation inv = RedisInvalidationTransport.decode(newer.getBytes(StandardCharsets.UTF_8));
    assertThat(inv.keys()).containsExactly("3");
    assertThat(inv.sourcePosition()).isEqualTo(7);
  }
}
