package io.hotset.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpSyntaxTest {

  @Test
  void splitListRespectsQuotedStringsAndEscapes() {
    assertThat(HttpSyntax.splitList(" a , \"b,c\" ,, d=\"e\\\",f\" ,")).containsExactly("a", "\"b,c\"", "d=\"e\\\",f\"");
    assertThat(HttpSyntax.splitList("\"unterminated, still one")).containsExactly("\"unterminated, still one");
    assertThat(HttpSyntax.splitList(null)).isEmpty();
  }

  @Test
  void unquoteAndTokenOrQuotedAreInverse() {
    for (String s : new String[] {"token", "two words", "q\"uote", "back\\slash", ""}) {
      assertThat(HttpSyntax.unquote(HttpSyntax.tokenOrQuoted(s))).isEqualTo(s);
    }
    assertThat(HttpSyntax.tokenOrQuoted("token")).isEqualTo("token");
    assertThat(HttpSyntax.tokenOrQuoted("")).isEqualTo("\"\"");
  }

  @Test
  void deltaSeconds() {
    assertThat(HttpSyntax.parseDeltaSeconds("0")).isZero();
    assertThat(HttpSyntax.parseDeltaSeconds("60")).isEqualTo(60);
    assertThat(HttpSyntax.parseDeltaSeconds("2147483648")).isEqualTo(2147483648L);
    assertThat(HttpSyntax.parseDeltaSeconds("99999999999999999999999999")).isEqualTo(2147483648L);
    assertThat(HttpSyntax.parseDeltaSeconds("-1")).isEqualTo(-1);
    assertThat(HttpSyntax.parseDeltaSeconds("1.5")).isEqualTo(-1);
    assertThat(HttpSyntax.parseDeltaSeconds("")).isEqualTo(-1);
    assertThat(HttpSyntax.parseDeltaSeconds(null)).isEqualTo(-1);
  }

  @Test
  void messagesShowControlCharactersAndCutLongValues() {
    assertThat(HttpSyntax.quoteForMessage("a\u0000b")).isEqualTo("'a\\u0000b'");
    assertThat(HttpSyntax.quoteForMessage("x".repeat(300))).endsWith("...(300 chars)'");
    assertThat(HttpSyntax.quoteForMessage(null)).isEqualTo("null");
  }

  @Test
  void pathNormalization() {
    assertThat(PathNormalizer.normalize("/a//b/./c/../d;p=1/?q#f")).isEqualTo("/a/b/d/");
    assertThat(PathNormalizer.normalize("/../../x")).isEqualTo("/x");
    assertThat(PathNormalizer.normalize("/%41%zz%2")).isEqualTo("/A%zz%2");
    assertThat(PathNormalizer.normalize("")).isEqualTo("/");
  }
}
