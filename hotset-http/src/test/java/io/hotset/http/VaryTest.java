package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class VaryTest {

  @Test
  void mergesWithoutDuplicatesKeepingTheFirstSpelling() {
    assertThat(Vary.merge("Accept-Encoding", "accept-encoding, Accept-Language", null, " ,Origin ,"))
        .isEqualTo("Accept-Encoding, Accept-Language, Origin");
    assertThat(Vary.fields(List.of("A", "b", "a"))).containsExactly("A", "b");
  }

  @Test
  void starAbsorbsEverything() {
    assertThat(Vary.merge("Accept-Encoding", "*")).isEqualTo("*");
    assertThat(Vary.fields(List.of("x, *, y"))).containsExactly("*");
  }

  @Test
  void nothingToVaryOnGivesTheEmptyString() {
    assertThat(Vary.merge()).isEmpty();
    assertThat(Vary.merge((String) null, "  ")).isEmpty();
  }

  @Test
  void malformedMembersAreNamed() {
    assertThatThrownBy(() -> Vary.merge("Accept, Accept Language"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Accept Language'");
  }

  @Test
  void containsIgnoresCaseAndKnowsTheStar() {
    assertThat(Vary.contains("Accept-Encoding, Origin", "origin")).isTrue();
    assertThat(Vary.contains("Accept-Encoding", "Origin")).isFalse();
    assertThat(Vary.contains("*", "Cookie")).isTrue();
    assertThat(Vary.contains(null, "Cookie")).isFalse();
  }
}
