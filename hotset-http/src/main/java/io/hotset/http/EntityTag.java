package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import java.util.Objects;

/**
 * One entity tag (RFC 9110 §8.8.3): an opaque string, strong or weak. {@link #toHeaderValue()}
 * renders it as {@code "opaque"} or {@code W/"opaque"}; {@link #parse(String)} reads that form back.
 * Most code uses the string helpers in {@link ETags} instead.
 *
 * @param opaqueTag the characters between the quotes: {@code %x21 / %x23-7E / %x80-FF}, possibly empty
 * @param weak whether the tag is weak ({@code W/} prefix)
 */
public record EntityTag(String opaqueTag, boolean weak) {

  /**
   * Validates the tag.
   *
   * @throws IllegalArgumentException if {@code opaqueTag} holds a double quote, a space or a
   *     control character (the message quotes it)
   */
  public EntityTag {
    Objects.requireNonNull(opaqueTag, "opaqueTag");
    for (int i = 0; i < opaqueTag.length(); i++) {
      if (!isEtagc(opaqueTag.charAt(i))) {
        throw new IllegalArgumentException("entity tag may not contain double quotes, spaces or control "
            + "characters (RFC 9110 §8.8.3), was " + HttpSyntax.quoteForMessage(opaqueTag));
      }
    }
  }

  /** A strong tag with this opaque string. */
  public static EntityTag strong(String opaqueTag) {
    return new EntityTag(opaqueTag, false);
  }

  /** A weak tag with this opaque string. */
  public static EntityTag weak(String opaqueTag) {
    return new EntityTag(opaqueTag, true);
  }

  /**
   * Parses one entity tag in header form ({@code "abc"} or {@code W/"abc"}), surrounding whitespace
   * allowed.
   *
   * @throws IllegalArgumentException if {@code value} is not an entity tag (the message quotes it)
   */
  public static EntityTag parse(String value) {
    EntityTag tag = tryParse(value);
    if (tag == null) {
      throw new IllegalArgumentException("not an entity tag (expected \"opaque\" or W/\"opaque\"): "
          + HttpSyntax.quoteForMessage(value));
    }
    return tag;
  }

  /** Like {@link #parse(String)}, but returns null for anything that is not an entity tag. */
  static EntityTag tryParse(String value) {
    if (value == null) {
      return null;
    }
    String s = HttpSyntax.trimOws(value);
    boolean weak = s.startsWith("W/");
    if (weak) {
      s = s.substring(2);
    }
    if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
      return null;
    }
    String opaque = s.substring(1, s.length() - 1);
    for (int i = 0; i < opaque.length(); i++) {
      if (!isEtagc(opaque.charAt(i))) {
        return null;
      }
    }
    return new EntityTag(opaque, weak);
  }

  static boolean isEtagc(char c) {
    return c == 0x21 || c >= 0x23 && c <= 0x7e || c >= 0x80 && c <= 0xff;
  }

  /** Strong comparison (RFC 9110 §8.8.3.2): both strong and the same opaque string. For If-Match. */
  public boolean strongMatches(EntityTag other) {
    return !weak && !other.weak && opaqueTag.equals(other.opaqueTag);
  }

  /** Weak comparison: the same opaque string, either or both may be weak. For If-None-Match. */
  public boolean weakMatches(EntityTag other) {
    return opaqueTag.equals(other.opaqueTag);
  }

  /** This tag as a header value: {@code "opaque"} or {@code W/"opaque"}. */
  public String toHeaderValue() {
    return (weak ? "W/\"" : "\"") + opaqueTag + '"';
  }

  /** The {@linkplain #toHeaderValue() header value}. */
  @Override
  public String toString() {
    return toHeaderValue();
  }
}
