package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import io.hotset.postgres.ReadToken;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReadTokenTest {

  @Test
  void lsnTokenRoundTrips() {
    ReadToken t = ReadToken.lsn(Lsn.parse("16/B374D848"));
    assertThat(t).hasToString("lsn:16/B374D848");
    assertThat(ReadToken.parse(t.toString())).isEqualTo(t).hasSameHashCodeAs(t);
    assertThat(t.isPin()).isFalse();
    assertThat(t.lsn()).isEqualTo(Lsn.parse("16/B374D848"));
    assertThat(ReadConsistency.of(t)).isEqualTo(ReadConsistency.atLeast(Lsn.parse("16/B374D848")));
  }

  @Test
  void pinTokenRoundTrips() {
    ReadToken t = ReadToken.pinnedUntil(Instant.ofEpochMilli(1_712_345_678_901L));
    assertThat(t).hasToString("pin:1712345678901");
    assertThat(ReadToken.parse(t.toString())).isEqualTo(t);
    assertThat(t.isPin()).isTrue();
    assertThat(t.lsn()).isEqualTo(Lsn.NONE);
    assertThat(t.pinnedUntil()).isEqualTo(Instant.ofEpochMilli(1_712_345_678_901L));
    assertThat(ReadConsistency.of(t).kind()).isEqualTo(ReadConsistency.Kind.PINNED);
    assertThat(ReadConsistency.of(t).pinnedUntilMillis()).isEqualTo(1_712_345_678_901L);
  }

  @Test
  void stringFormIsCookieSafe() {
    for (ReadToken t : new ReadToken[] {ReadToken.lsn(Lsn.of(-1)), ReadToken.pinnedUntil(Instant.now())}) {
      assertThat(t.toString()).matches("[a-z0-9:/A-F]+");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "lsn:", "lsn:1", "lsn:1/", "LSN:1/1", "lsn 1/1", "pin:", "pin:-1", "pin:1.5",
      "pin:12345678901234567890", "pin:1e3", "pinned:1", "1/1", "lsn:1/1;Path=/"})
  void rejectsMalformedTokens(String text) {
    assertThatThrownBy(() -> ReadToken.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a read token (lsn:<X/Y> or pin:<epoch millis>): '");
    assertThat(ReadToken.tryParse(text)).isEmpty();
  }

  @Test
  void tryParseToleratesAbsentCookies() {
    assertThat(ReadToken.tryParse(null)).isEmpty();
    assertThat(ReadToken.tryParse("  ")).isEmpty();
    assertThat(ReadToken.tryParse(" lsn:0/1 ")).contains(ReadToken.lsn(Lsn.of(1)));
    assertThatThrownBy(() -> ReadToken.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("token");
  }

  @Test
  void consistencyFactories() {
    assertThat(ReadConsistency.atLeast(Lsn.NONE)).isSameAs(ReadConsistency.any());
    assertThat(ReadConsistency.any().kind()).isEqualTo(ReadConsistency.Kind.ANY);
    assertThat(ReadConsistency.primary().kind()).isEqualTo(ReadConsistency.Kind.PRIMARY);
    assertThat(ReadConsistency.atLeast(Lsn.of(5))).hasToString("atLeast(0/5)");
    assertThat(ReadConsistency.pinnedUntil(Instant.EPOCH)).hasToString("pinnedUntil(1970-01-01T00:00:00Z)");
    assertThat(ReadConsistency.any()).hasToString("any()");
    assertThatThrownBy(() -> ReadConsistency.atLeast(null)).isInstanceOf(NullPointerException.class).hasMessage("lsn");
    assertThatThrownBy(() -> ReadConsistency.of(null)).isInstanceOf(NullPointerException.class).hasMessage("token");
    assertThatThrownBy(() -> ReadToken.pinnedUntil(Instant.ofEpochMilli(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1969-12-31T23:59:59.999Z");
  }
}
