package io.hotset.http.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Small pieces of HTTP field syntax (RFC 9110 §5.6) shared by the parsers: list splitting that
 * respects quoted strings, tokens, quoted-string (un)quoting and delta-seconds. Not API.
 */
public final class HttpSyntax {
  /** RFC 9111 §1.2.2: the value a recipient uses for delta-seconds it cannot represent. */
  public static final long MAX_DELTA_SECONDS = 2_147_483_648L;

  private HttpSyntax() {}

  /**
   * Splits a comma-separated list (RFC 9110 §5.6.1) into its trimmed, non-empty members. Commas
   * inside quoted strings do not split; an unterminated quote runs to the end of the value.
   */
  public static List<String> splitList(String value) {
    List<String> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted) {
        current.append(c);
        if (c == '\\' && i + 1 < value.length()) {
          current.append(value.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == ',') {
        addTrimmed(out, current);
        current.setLength(0);
      } else {
        if (c == '"') {
          quoted = true;
        }
        current.append(c);
      }
    }
    addTrimmed(out, current);
    return out;
  }

  private static void addTrimmed(List<String> out, CharSequence member) {
    String s = trimOws(member.toString());
    if (!s.isEmpty()) {
      out.add(s);
    }
  }

  /** Strips optional whitespace (space and horizontal tab, RFC 9110 §5.6.3) from both ends. */
  public static String trimOws(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isOws(s.charAt(start))) {
      start++;
    }
    while (end > start && isOws(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /** Whether {@code c} is a tchar (RFC 9110 §5.6.2). */
  public static boolean isTchar(char c) {
    if (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
      return true;
    }
    return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** Whether {@code s} is a non-empty token (RFC 9110 §5.6.2). */
  public static boolean isToken(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isTchar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The content of a quoted-string with its backslash escapes resolved, or {@code s} itself when it
   * is not quoted. An unterminated quoted string yields its content up to the end.
   */
  public static String unquote(String s) {
    if (s.length() < 1 || s.charAt(0) != '"') {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        out.append(s.charAt(++i));
      } else if (c == '"') {
        break;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code s} as a token if it is one, else as a quoted-string with {@code "} and {@code \} escaped. */
  public static String tokenOrQuoted(String s) {
    if (isToken(s)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append('"').toString();
  }

  /**
   * Parses delta-seconds (RFC 9111 §1.2.2): one or more ASCII digits. Values too large to represent
   * become {@link #MAX_DELTA_SECONDS}.
   *
   * @return the value, or -1 if {@code s} is not delta-seconds
   */
  public static long parseDeltaSeconds(String s) {
    if (s == null || s.isEmpty()) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      if (v < MAX_DELTA_SECONDS) {
        v = v * 10 + (c - '0');
      }
    }
    return Math.min(v, MAX_DELTA_SECONDS);
  }

  /** Renders a value for messages: quoted, with control characters shown as {@code \\uXXXX}. */
  public static String quoteForMessage(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(s.length() + 2).append('\'');
    int shown = Math.min(s.length(), 200);
    for (int i = 0; i < shown; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (shown < s.length()) {
      out.append("...(").append(s.length()).append(" chars)");
    }
    return out.append('\'').toString();
  }
}
