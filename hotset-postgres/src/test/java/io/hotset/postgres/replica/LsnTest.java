package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.postgres.Lsn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LsnTest {

  @Test
  void parsesAndFormatsPostgresTextForm() {
    Lsn lsn = Lsn.parse("16/B374D848");
    assertThat(lsn.asLong()).isEqualTo(0x16L << 32 | 0xB374D848L);
    assertThat(lsn).hasToString("16/B374D848");
    assertThat(Lsn.parse("16/b374d848")).isEqualTo(lsn);
    assertThat(Lsn.parse("0/3000148")).hasToString("0/3000148");
    assertThat(Lsn.parse("00000016/0000000A")).hasToString("16/A");
    assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").asLong()).isEqualTo(-1L);
    assertThat(Lsn.of(-1L)).hasToString("FFFFFFFF/FFFFFFFF");
  }

  @Test
  void noneIsZeroAndBelowEverything() {
    assertThat(Lsn.NONE.asLong()).isZero();
    assertThat(Lsn.NONE.isNone()).isTrue();
    assertThat(Lsn.parse("0/0")).isSameAs(Lsn.NONE);
    assertThat(Lsn.of(0)).isSameAs(Lsn.NONE);
    assertThat(Lsn.NONE).hasToString("0/0");
    assertThat(Lsn.of(1).isAtLeast(Lsn.NONE)).isTrue();
    assertThat(Lsn.NONE.isAtLeast(Lsn.of(1))).isFalse();
  }

  @Test
  void ordersUnsignedLikePostgres() {
    Lsn high = Lsn.parse("FFFFFFFF/0");   // negative as a signed long
    Lsn low = Lsn.parse("7FFFFFFF/FFFFFFFF");
    assertThat(high.asLong()).isNegative();
    assertThat(high).isGreaterThan(low);
    assertThat(high.isAtLeast(low)).isTrue();
    assertThat(Lsn.max(low, high)).isSameAs(high);
    List<Lsn> list = new ArrayList<>(List.of(high, Lsn.parse("1/0"), Lsn.NONE, low, Lsn.parse("0/FFFFFFFF")));
    Collections.sort(list);
    assertThat(list).extracting(Lsn::toString)
        .containsExactly("0/0", "0/FFFFFFFF", "1/0", "7FFFFFFF/FFFFFFFF", "FFFFFFFF/0");
  }

  @Test
  void bytesAfterIsPgWalLsnDiffClampedAtZero() {
    assertThat(Lsn.parse("1/10").bytesAfter(Lsn.parse("0/FFFFFFF0"))).isEqualTo(0x20);
    assertThat(Lsn.parse("0/10").bytesAfter(Lsn.parse("0/20"))).isZero();
    assertThat(Lsn.parse("FFFFFFFF/0").bytesAfter(Lsn.parse("7FFFFFFF/0"))).isEqualTo(0x80000000L << 32);
  }

  @Test
  void equalityAndHash() {
    assertThat(Lsn.parse("A/1")).isEqualTo(Lsn.of(0xA00000001L)).hasSameHashCodeAs(Lsn.of(0xA00000001L));
    assertThat(Lsn.parse("A/1")).isNotEqualTo(Lsn.parse("A/2")).isNotEqualTo("A/1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "1/", "/1", "1", "16B374D848", "1/2/3", "g/1", "1/g", " 1/1", "1/1 ", "-1/1",
      "+1/1", "0x1/1", "123456789/1", "1/123456789", "1//1", "\u0661/1", "\uff11/1", "1/\u0000"})
  void rejectsMalformedTextQuotingIt(String text) {
    assertThatThrownBy(() -> Lsn.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a WAL position (LSN, e.g. 16/B374D848): '");
  }

  @Test
  void quotesMalformedInputSafely() {
    assertThatThrownBy(() -> Lsn.parse("x".repeat(5000)))
        .hasMessageContaining("'" + "x".repeat(40) + "'... (5000 chars)");
    assertThatThrownBy(() -> Lsn.parse("a\nb"))
        .hasMessageEndingWith("'a\\u000ab'");
    assertThatThrownBy(() -> Lsn.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("lsn");
  }
}
