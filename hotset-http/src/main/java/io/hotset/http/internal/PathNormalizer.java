package io.hotset.http.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Puts a request path into the form route matching sees, erring toward a match: query and fragment
 * cut off, percent-escapes decoded, {@code ;parameters} dropped from each segment, empty and
 * {@code .} segments removed and {@code ..} resolved. Not API.
 */
public final class PathNormalizer {
  private PathNormalizer() {}

  /** The normalized path; always starts with {@code /}. */
  public static String normalize(String rawPath) {
    String p = rawPath;
    int cut = indexOfAny(p, '?', '#');
    if (cut >= 0) {
      p = p.substring(0, cut);
    }
    p = percentDecode(p);
    Deque<String> segments = new ArrayDeque<>();
    for (String segment : p.split("/")) {
      int semi = segment.indexOf(';');
      String s = semi < 0 ? segment : segment.substring(0, semi);
      if (s.isEmpty() || ".".equals(s)) {
        continue;
      }
      if ("..".equals(s)) {
        segments.pollLast();
        continue;
      }
      segments.addLast(s);
    }
    boolean trailingSlash = p.endsWith("/") && !segments.isEmpty();
    return "/" + String.join("/", segments) + (trailingSlash ? "/" : "");
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return -1;
  }

  /** Decodes {@code %XX} escapes as UTF-8; malformed escapes stay as they are. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b == '%' && i + 2 < bytes.length) {
        int hi = Character.digit(bytes[i + 1], 16);
        int lo = Character.digit(bytes[i + 2], 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi << 4 | lo);
          i += 2;
          continue;
        }
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
