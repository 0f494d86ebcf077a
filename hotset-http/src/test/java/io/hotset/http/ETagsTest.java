package io.hotset.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ETagsTest {

  @Test
  void strongAndWeakTagsFromAVersion() {
    assertThat(ETags.strong(42)).isEqualTo("\"v42\"");
    assertThat(ETags.weak(42)).isEqualTo("W/\"v42\"");
    assertThat(EntityTag.parse(ETags.strong(42))).isEqualTo(EntityTag.strong("v42"));
    assertThat(EntityTag.parse(ETags.weak(42))).isEqualTo(EntityTag.weak("v42"));
  }

  @Test
  void regionIdVersionTagsAreValidForAnyIdAndUnambiguous() {
    assertThat(ETags.strong("product", "42", 7)).isEqualTo("\"product:42:v7\"");
    String odd = ETags.strong("product", "a \"b\":c,d\u00e9", 1);
    assertThat(odd).isEqualTo("\"product:a%20%22b%22%3Ac%2Cd%C3%A9:v1\"");
    assertThat(EntityTag.parse(odd).weak()).isFalse();
    assertThat(ETags.strong("a:b", "c", 1)).isNotEqualTo(ETags.strong("a", "b:c", 1));
  }

  @ParameterizedTest(name = "If-None-Match: {0} vs {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "\"v1\"                 | \"v1\"   | true",
      "\"v2\"                 | \"v1\"   | false",
      "W/\"v1\"               | \"v1\"   | true",   // weak comparison: W/ on either side still matches
      "\"v1\"                 | W/\"v1\" | true",
      "W/\"v1\"               | W/\"v1\" | true",
      "\"a\", \"v1\"          | \"v1\"   | true",   // list
      "  \"a\" ,W/\"v1\"  ,   | \"v1\"   | true",   // whitespace and empty members
      "\"x,y\", \"z\"         | \"x,y\"  | true",   // comma inside a tag
      "\"x,y\"                | \"x\"    | false",
      "*                      | \"v1\"   | true",
      "  *                    | W/\"v\"  | true",
      "v1                     | \"v1\"   | false",  // unquoted is malformed: skipped
      "\"v1                   | \"v1\"   | false",
      "\"a\", *               | \"v1\"   | false",  // * inside a list is malformed
      "''                     | \"v1\"   | false",
      "\"V1\"                 | \"v1\"   | false",  // opaque tags are case-sensitive
  })
  void ifNoneMatchUsesWeakComparison(String header, String etag, boolean matches) {
    assertThat(ETags.matchesIfNoneMatch(header, etag)).isEqualTo(matches);
  }

  @Test
  void ifNoneMatchNeverMatchesWithoutARepresentationOrHeader() {
    assertThat(ETags.matchesIfNoneMatch("*", null)).isFalse();
    assertThat(ETags.matchesIfNoneMatch(null, "\"v1\"")).isFalse();
  }

  @ParameterizedTest(name = "If-Match: {0} vs {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "\"v1\"         | \"v1\"   | true",
      "W/\"v1\"       | \"v1\"   | false",  // strong comparison: weak tags never match
      "\"v1\"         | W/\"v1\" | false",
      "\"a\", \"v1\"  | \"v1\"   | true",
      "\"a\"          | \"v1\"   | false",
      "*              | \"v1\"   | true",
      "*              | W/\"v1\" | true",
  })
  void ifMatchUsesStrongComparison(String header, String etag, boolean matches) {
    assertThat(ETags.matchesIfMatch(header, etag)).isEqualTo(matches);
  }

  @Test
  void ifMatchAbsentIsSatisfiedAndStarNeedsARepresentation() {
    assertThat(ETags.matchesIfMatch(null, "\"v1\"")).isTrue();
    assertThat(ETags.matchesIfMatch("  ", "\"v1\"")).isTrue();
    assertThat(ETags.matchesIfMatch("*", null)).isFalse();
    assertThat(ETags.matchesIfMatch("\"v1\"", null)).isFalse();
  }

  @Test
  void aMalformedCurrentTagIsTheCallersBugAndNamed() {
    assertThatThrownBy(() -> ETags.matchesIfNoneMatch("\"v1\"", "v1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'v1'");
    assertThatThrownBy(() -> ETags.matchesIfMatch("\"v1\"", "W/v1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'W/v1'");
  }

  @Test
  void entityTagsRejectQuotesSpacesAndControlCharacters() {
    assertThatThrownBy(() -> EntityTag.strong("a\"b")).hasMessageContaining("'a\"b'");
    assertThatThrownBy(() -> EntityTag.strong("a b")).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> EntityTag.weak("a\nb")).hasMessageContaining("'a\\u000ab'");
    assertThat(EntityTag.strong("").toHeaderValue()).isEqualTo("\"\"");
  }

  @Test
  void parseListSkipsMalformedMembers() {
    assertThat(ETags.parseList("\"a\", b, W/\"c\", \"d")).containsExactly(EntityTag.strong("a"), EntityTag.weak("c"));
    assertThat(ETags.parseList(null)).isEmpty();
  }
}
