package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SurrogateKeysTest {

  @Test
  void headerValueJoinsValidatedKeysOnceInOrder() {
    assertThat(SurrogateKeys.headerValue("product:42", "category:5", "product:42")).isEqualTo("product:42 category:5");
    assertThat(SurrogateKeys.headerValue(List.of())).isEmpty();
  }

  @Test
  void keyForAnEntityEncodesWhatWouldNotFit() {
    assertThat(SurrogateKeys.key("product", "42")).isEqualTo("product:42");
    assertThat(SurrogateKeys.key("product", "a b,c\"d:e%")).isEqualTo("product:a%20b%2Cc%22d%3Ae%25");
    assertThat(SurrogateKeys.key("caf\u00e9", "1")).isEqualTo("caf%C3%A9:1");
    assertThatThrownBy(() -> SurrogateKeys.key("", "1")).hasMessageContaining("must not be empty");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "'a b'          | contains a space at index 1",
      "'a,b'          | contains ',' at index 1",
      "'a\"b'         | contains '\"' at index 1",
      "'a\\b'         | contains '\\' at index 1",
      "'caf\u00e9'    | contains a non-ASCII character at index 3",
  })
  void invalidKeysAreRejectedNamingKeyAndCharacter(String key, String message) {
    assertThatThrownBy(() -> SurrogateKeys.validate(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining(message);
  }

  @Test
  void controlCharactersAreShownEscaped() {
    assertThatThrownBy(() -> SurrogateKeys.headerValue("ok", "bad\tkey"))
        .hasMessageContaining("'bad\\u0009key'").hasMessageContaining("a control character at index 3");
  }

  @Test
  void emptyAndOverlongKeysAreRejected() {
    assertThatThrownBy(() -> SurrogateKeys.validate("")).hasMessageContaining("must not be empty");
    String longKey = "k".repeat(SurrogateKeys.MAX_KEY_LENGTH + 1);
    assertThatThrownBy(() -> SurrogateKeys.validate(longKey)).hasMessageContaining("longer than 256");
    assertThat(SurrogateKeys.validate("k".repeat(SurrogateKeys.MAX_KEY_LENGTH))).hasSize(256);
  }

  @Test
  void regexMetacharactersAreValidKeyCharacters() {
    // The VCL escapes them; they must be accepted here.
    assertThat(SurrogateKeys.validate("a.b+c*d?e^f$g(h)i[j]k{l}m|n/o")).isNotEmpty();
  }

  @Test
  void splitIsLenientAboutWhitespaceAndCombinedLines() {
    assertThat(SurrogateKeys.split("  a  b\tc, d ,a ")).containsExactly("a", "b", "c", "d");
    assertThat(SurrogateKeys.split(null)).isEmpty();
    assertThat(SurrogateKeys.split(SurrogateKeys.headerValue("x:1", "y:2"))).containsExactly("x:1", "y:2");
  }
}
