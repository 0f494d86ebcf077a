package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import io.hotset.http.internal.KeyEncoding;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Surrogate keys: labels an origin attaches to a response ({@code xkey: product:42 category:5}) so
 * the edge can later drop every response carrying a label with one purge, whatever its URL. The
 * catalog uses the cache's tags as keys, so one invalidation event purges all tiers.
 *
 * <p>A key is 1 to {@value #MAX_KEY_LENGTH} visible ASCII characters other than {@code "},
 * {@code ,} and {@code \}: keys are separated by spaces, a comma would be mistaken for the separator
 * intermediaries put between combined header lines (RFC 9110 §5.3), and quotes and backslashes
 * have meanings in HTTP and in Varnish ban expressions. Build keys from ids with
 * {@link #key(String, String)}, which percent-encodes what would not fit. Pure and thread-safe.
 */
public final class SurrogateKeys {
  /** The header the shipped VCL bans on (the name vmod-xkey uses too). */
  public static final String XKEY_HEADER = "xkey";
  /** The header Fastly and other CDNs read; the shipped VCL reads it as well. */
  public static final String SURROGATE_KEY_HEADER = "Surrogate-Key";
  /** The longest key accepted. */
  public static final int MAX_KEY_LENGTH = 256;

  private SurrogateKeys() {}

  /**
   * The key for one entity: {@code kind + ":" + id}, e.g. {@code product:42}, with characters of
   * {@code kind} and {@code id} that may not appear in a key (and {@code :} and {@code %})
   * percent-encoded, so the same id always gives the same key on the tagging and the purging side.
   *
   * @throws IllegalArgumentException if the result is longer than {@link #MAX_KEY_LENGTH} or a part is empty
   */
  public static String key(String kind, String id) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    if (kind.isEmpty() || id.isEmpty()) {
      throw new IllegalArgumentException("surrogate key kind and id must not be empty, were "
          + HttpSyntax.quoteForMessage(kind) + " and " + HttpSyntax.quoteForMessage(id));
    }
    return validate(KeyEncoding.encode(kind) + ':' + KeyEncoding.encode(id));
  }

  /**
   * Returns {@code key} if it is a valid surrogate key.
   *
   * @throws IllegalArgumentException naming the key and the offending character otherwise
   * @throws NullPointerException if {@code key} is null
   */
  public static String validate(String key) {
    Objects.requireNonNull(key, "surrogate key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("surrogate key must not be empty");
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("surrogate key longer than " + MAX_KEY_LENGTH + " characters: "
          + HttpSyntax.quoteForMessage(key));
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == '\\') {
        String what = c == ' ' ? "a space" : c < 0x20 || c == 0x7f ? "a control character"
            : c > 0x7f ? "a non-ASCII character" : "'" + c + "'";
        throw new IllegalArgumentException("surrogate key " + HttpSyntax.quoteForMessage(key) + " contains "
            + what + " at index " + i + "; keys are visible ASCII without '\"', ',' and '\\'");
      }
    }
    return key;
  }

  /**
   * The header value for these keys: each validated, duplicates removed, order kept, joined with
   * single spaces. Empty when {@code keys} is empty (send no header then).
   *
   * @throws IllegalArgumentException if a key is invalid (see {@link #validate(String)})
   */
  public static String headerValue(Collection<String> keys) {
    return String.join(" ", normalize(keys));
  }

  /** {@link #headerValue(Collection)} of the arguments. */
  public static String headerValue(String... keys) {
    return headerValue(Arrays.asList(keys));
  }

  /**
   * The keys, each validated, without duplicates, in order.
   *
   * @throws IllegalArgumentException if a key is invalid (see {@link #validate(String)})
   */
  public static List<String> normalize(Collection<String> keys) {
    Set<String> out = new LinkedHashSet<>();
    for (String key : keys) {
      out.add(validate(key));
    }
    return List.copyOf(out);
  }

  /**
   * The keys in a received header value, leniently: split at whitespace and commas (combined
   * header lines), without empty members or duplicates, in order. Members are not validated.
   *
   * @param headerValue the value; null gives an empty list
   */
  public static List<String> split(String headerValue) {
    if (headerValue == null) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String member : headerValue.split("[\\s,]+")) {
      if (!member.isEmpty()) {
        out.add(member);
      }
    }
    return List.copyOf(out);
  }
}
