package io.hotset.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisClusterSlotsTest {

    @Test
    void crc16IsXmodem() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(RedisCluster.crc16(check, 0, check.length)).isEqualTo(0x31C3);
        assertThat(RedisCluster.crc16(new byte[0], 0, 0)).isZero();
    }

    @Test
    void hashTagsFollowTheRedisRules() {
        assertThat(RedisCluster.slotOf("{user1000}.following")).isEqualTo(RedisCluster.slotOf("user1000"));
        assertThat(RedisCluster.slotOf("foo{bar}{zap}")).isEqualTo(RedisCluster.slotOf("bar"));
        assertThat(RedisCluster.slotOf("foo{}{bar}")).as("empty first tag: whole key")
                .isNotEqualTo(RedisCluster.slotOf("bar"));
        assertThat(RedisCluster.slotOf("foo{{bar}}zap")).isEqualTo(RedisCluster.slotOf("{bar"));
        assertThat(RedisCluster.slotOf("{")).isEqualTo(RedisCluster.slotOf("{"));
        assertThat(RedisCluster.slotOf("x")).isBetween(0, RedisCluster.SLOTS - 1);
    }

    @Test
    void slotRangesCoverEverySlotOnceLikeRedisCli() {
        List<int[]> three = RedisCluster.slotRanges(3);
        assertThat(three).extracting(r -> r[0] + "-" + r[1]).containsExactly("0-5460", "5461-10922", "10923-16383");
        for (int n = 1; n <= 10; n++) {
            List<int[]> ranges = RedisCluster.slotRanges(n);
            assertThat(ranges).hasSize(n);
            assertThat(ranges.get(0)[0]).isZero();
            assertThat(ranges.get(n - 1)[1]).isEqualTo(RedisCluster.SLOTS - 1);
            for (int i = 1; i < n; i++) {
                assertThat(ranges.get(i)[0]).isEqualTo(ranges.get(i - 1)[1] + 1);
            }
        }
    }
}
