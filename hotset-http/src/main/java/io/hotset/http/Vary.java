package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Builds and reads {@code Vary} header values (RFC 9110 §12.5.5): the request fields a cached
 * response depends on, which become part of a shared cache's key. Merging several values (say the
 * framework's {@code Accept-Encoding} and a handler's {@code Accept-Language}) gives one list without
 * duplicates; field names compare case-insensitively and keep the spelling first seen; {@code *}
 * absorbs everything. Pure and thread-safe.
 *
 * <p>User-dependent responses should not be varied on {@code Authorization} or {@code Cookie} to make
 * them shareable: every user would get a cache entry of their own. Mark them private instead, see
 * {@link SharedCacheRule}.
 */
public final class Vary {
  /** The header name. */
  public static final String HEADER = "Vary";

  private Vary() {}

  /**
   * The field names of one or more {@code Vary} values, merged: {@code ["*"]} if any of them is
   * {@code *}, else every name once, in order of first appearance.
   *
   * @param values field values; null elements are skipped
   * @throws IllegalArgumentException if a member is not an HTTP token (the message quotes it)
   */
  public static List<String> fields(Collection<String> values) {
    List<String> out = new ArrayList<>();
    List<String> lower = new ArrayList<>();
    for (String value : values) {
      for (String member : HttpSyntax.splitList(value)) {
        if ("*".equals(member)) {
          return List.of("*");
        }
        if (!HttpSyntax.isToken(member)) {
          throw new IllegalArgumentException("Vary member must be a field name, was "
              + HttpSyntax.quoteForMessage(member) + " in " + HttpSyntax.quoteForMessage(value));
        }
        String l = member.toLowerCase(Locale.ROOT);
        if (!lower.contains(l)) {
          lower.add(l);
          out.add(member);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * {@link #fields(Collection)} joined with {@code ", "}: the value to send, or the empty string when
   * there is nothing to vary on (send no {@code Vary} header then).
   */
  public static String merge(Collection<String> values) {
    return String.join(", ", fields(values));
  }

  /** {@link #merge(Collection)} of the arguments; null arguments are skipped. */
  public static String merge(String... values) {
    return merge(Arrays.asList(values));
  }

  /**
   * Whether a {@code Vary} value names {@code field} (case-insensitively) or is {@code *}. Lenient:
   * malformed members are ignored.
   *
   * @param value the field value; null names nothing
   */
  public static boolean contains(String value, String field) {
    Objects.requireNonNull(field, "field");
    for (String member : HttpSyntax.splitList(value)) {
      if ("*".equals(member) || member.equalsIgnoreCase(field)) {
        return true;
      }
    }
    return false;
  }
}
