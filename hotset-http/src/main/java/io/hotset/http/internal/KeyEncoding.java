package io.hotset.http.internal;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding of ids and region names embedded in entity tags and surrogate keys, so that any
 * id yields a valid, unambiguous token. Not API.
 */
public final class KeyEncoding {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private KeyEncoding() {}

  /**
   * {@code s} with every character outside visible ASCII, and each of {@code " % , : \}, replaced by
   * the {@code %XX} escapes of its UTF-8 bytes. Visible ASCII otherwise passes unchanged.
   */
  public static String encode(String s) {
    if (isPlain(s)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (isPlainChar(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isPlainChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPlainChar(int c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '%' && c != ',' && c != ':' && c != '\\';
  }
}
