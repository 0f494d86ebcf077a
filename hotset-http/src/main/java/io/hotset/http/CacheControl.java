package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable {@code Cache-Control} response header value (RFC 9111 §5.2.2, RFC 5861, RFC 8246):
 * built with {@link #builder()} or a factory such as {@link #publicFor(Duration, Duration, Duration)},
 * rendered with {@link #toHeaderValue()}, and read back with {@link #parse(String)}.
 *
 * <p>Durations are delta-seconds on the wire: {@link #toHeaderValue()} renders whole seconds,
 * rounding down (a shorter freshness is the safe direction), and caps them at 2<sup>31</sup> as
 * RFC 9111 §1.2.2 asks. Instances are thread-safe and compare by value.
 */
public final class CacheControl {
  /** The largest delta-seconds value rendered or parsed (RFC 9111 §1.2.2): 2<sup>31</sup>. */
  public static final long MAX_DELTA_SECONDS = HttpSyntax.MAX_DELTA_SECONDS;

  private static final Set<String> STANDARD = Set.of("public", "private", "no-cache", "no-store",
      "must-revalidate", "proxy-revalidate", "no-transform", "immutable", "max-age", "s-maxage",
      "stale-while-revalidate", "stale-if-error");
  private static final CacheControl EMPTY = new Builder().build();
  private static final CacheControl NO_STORE = new Builder().noStore().build();

  private final boolean isPublic;
  private final boolean isPrivate;
  private final boolean noCache;
  private final boolean noStore;
  private final boolean mustRevalidate;
  private final boolean proxyRevalidate;
  private final boolean noTransform;
  private final boolean immutable;
  private final Duration maxAge;
  private final Duration sMaxAge;
  private final Duration staleWhileRevalidate;
  private final Duration staleIfError;
  private final Map<String, String> extensions;

  private CacheControl(Builder b) {
    this.isPublic = b.isPublic;
    this.isPrivate = b.isPrivate;
    this.noCache = b.noCache;
    this.noStore = b.noStore;
    this.mustRevalidate = b.mustRevalidate;
    this.proxyRevalidate = b.proxyRevalidate;
    this.noTransform = b.noTransform;
    this.immutable = b.immutable;
    this.maxAge = b.maxAge;
    this.sMaxAge = b.sMaxAge;
    this.staleWhileRevalidate = b.staleWhileRevalidate;
    this.staleIfError = b.staleIfError;
    this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(b.extensions));
  }

  // ------------------------------------------------------------------ factories

  /** A builder with no directives set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A value without any directive (renders as the empty string). */
  public static CacheControl empty() {
    return EMPTY;
  }

  /** {@code no-store}: no cache, shared or private, may keep the response. For strong routes. */
  public static CacheControl noStore() {
    return NO_STORE;
  }

  /**
   * {@code public, max-age=M}: any cache may keep the response for {@code maxAge}.
   *
   * @throws IllegalArgumentException if {@code maxAge} is negative (the message quotes it)
   */
  public static CacheControl publicFor(Duration maxAge) {
    return builder().cachePublic().maxAge(maxAge).build();
  }

  /**
   * {@code public, max-age=M, stale-while-revalidate=S, stale-if-error=E}: the header of a shared,
   * cacheable response. A zero {@code staleWhileRevalidate} or {@code staleIfError} is left out.
   *
   * @throws IllegalArgumentException if a duration is negative (the message quotes it)
   * @throws NullPointerException if a duration is null
   */
  public static CacheControl publicFor(Duration maxAge, Duration staleWhileRevalidate, Duration staleIfError) {
    Builder b = builder().cachePublic().maxAge(maxAge);
    if (!Objects.requireNonNull(staleWhileRevalidate, "staleWhileRevalidate").isZero()) {
      b.staleWhileRevalidate(staleWhileRevalidate);
    }
    if (!Objects.requireNonNull(staleIfError, "staleIfError").isZero()) {
      b.staleIfError(staleIfError);
    }
    return b.build();
  }

  /**
   * {@code private, max-age=M}: only the user's own (browser) cache may keep the response.
   *
   * @throws IllegalArgumentException if {@code maxAge} is negative (the message quotes it)
   */
  public static CacheControl privateFor(Duration maxAge) {
    return builder().cachePrivate().maxAge(maxAge).build();
  }

  /**
   * Parses a {@code Cache-Control} field value leniently, as a recipient should: directive names
   * are case-insensitive, whitespace and empty list members are ignored, quoted arguments are
   * accepted, unknown directives are kept as {@link #extensions()}, and the first occurrence of a
   * repeated directive wins. Following RFC 9111 §4.2.1, a {@code max-age} or {@code s-maxage} whose
   * argument is not delta-seconds is read as 0 (stale), and such a {@code stale-while-revalidate}
   * or {@code stale-if-error} is ignored; {@code public} together with {@code private} reads as
   * {@code private} (the most restrictive). Field names given to {@code private} or {@code no-cache}
   * are dropped, which makes the directive apply to the whole response (stricter).
   *
   * @param value the field value; null or blank gives {@link #empty()}
   * @return the parsed value; never null
   */
  public static CacheControl parse(String value) {
    Builder b = builder();
    Set<String> seen = new HashSet<>();
    for (String member : HttpSyntax.splitList(value)) {
      int eq = member.indexOf('=');
      String name = HttpSyntax.trimOws(eq < 0 ? member : member.substring(0, eq)).toLowerCase(Locale.ROOT);
      String arg = eq < 0 ? null : HttpSyntax.unquote(HttpSyntax.trimOws(member.substring(eq + 1)));
      if (name.isEmpty() || !seen.add(name)) {
        continue;
      }
      switch (name) {
        case "public":
          b.isPublic = true;
          break;
        case "private":
          b.isPrivate = true;
          break;
        case "no-cache":
          b.noCache = true;
          break;
        case "no-store":
          b.noStore = true;
          break;
        case "must-revalidate":
          b.mustRevalidate = true;
          break;
        case "proxy-revalidate":
          b.proxyRevalidate = true;
          break;
        case "no-transform":
          b.noTransform = true;
          break;
        case "immutable":
          b.immutable = true;
          break;
        case "max-age":
          b.maxAge = Duration.ofSeconds(Math.max(0, HttpSyntax.parseDeltaSeconds(arg)));
          break;
        case "s-maxage":
          b.sMaxAge = Duration.ofSeconds(Math.max(0, HttpSyntax.parseDeltaSeconds(arg)));
          break;
        case "stale-while-revalidate": {
          long s = HttpSyntax.parseDeltaSeconds(arg);
          if (s >= 0) {
            b.staleWhileRevalidate = Duration.ofSeconds(s);
          }
          break;
        }
        case "stale-if-error": {
          long s = HttpSyntax.parseDeltaSeconds(arg);
          if (s >= 0) {
            b.staleIfError = Duration.ofSeconds(s);
          }
          break;
        }
        default:
          if (HttpSyntax.isToken(name)) {
            b.extensions.put(name, arg);
          }
      }
    }
    if (b.isPublic && b.isPrivate) {
      b.isPublic = false; // conflicting directives: honour the most restrictive (RFC 9111 §4.2.1)
    }
    return b.build();
  }

  /**
   * Parses several field lines of one response as one list (RFC 9110 §5.3).
   *
   * @see #parse(String)
   */
  public static CacheControl parse(Collection<String> fieldLines) {
    return parse(fieldLines == null ? null : String.join(",", fieldLines));
  }

  // ------------------------------------------------------------------ accessors

  /** {@code public}. */
  public boolean isPublic() {
    return isPublic;
  }

  /** {@code private}. */
  public boolean isPrivate() {
    return isPrivate;
  }

  /** {@code no-cache}: caches must revalidate before every reuse. */
  public boolean isNoCache() {
    return noCache;
  }

  /** {@code no-store}. */
  public boolean isNoStore() {
    return noStore;
  }

  /** {@code must-revalidate}: once stale, never served without revalidation (overrides the stale windows). */
  public boolean isMustRevalidate() {
    return mustRevalidate;
  }

  /** {@code proxy-revalidate}: {@code must-revalidate} for shared caches only. */
  public boolean isProxyRevalidate() {
    return proxyRevalidate;
  }

  /** {@code no-transform}. */
  public boolean isNoTransform() {
    return noTransform;
  }

  /** {@code immutable} (RFC 8246): the response will not change while fresh. */
  public boolean isImmutable() {
    return immutable;
  }

  /** {@code max-age}, whole seconds, if present. */
  public Optional<Duration> maxAge() {
    return Optional.ofNullable(maxAge);
  }

  /** {@code s-maxage} (shared caches only), whole seconds, if present. */
  public Optional<Duration> sMaxAge() {
    return Optional.ofNullable(sMaxAge);
  }

  /** {@code stale-while-revalidate} (RFC 5861), whole seconds, if present. */
  public Optional<Duration> staleWhileRevalidate() {
    return Optional.ofNullable(staleWhileRevalidate);
  }

  /** {@code stale-if-error} (RFC 5861), whole seconds, if present. */
  public Optional<Duration> staleIfError() {
    return Optional.ofNullable(staleIfError);
  }

  /**
   * Directives this class has no accessor for, by lower-case name, in order; a directive without
   * argument maps to {@code null}. Unmodifiable.
   */
  public Map<String, String> extensions() {
    return extensions;
  }

  /**
   * The freshness lifetime a shared cache gives the response: {@code s-maxage}, else
   * {@code max-age}; empty if neither is present.
   */
  public Optional<Duration> sharedMaxAge() {
    return sMaxAge != null ? Optional.of(sMaxAge) : maxAge();
  }

  /**
   * Whether a shared cache (a CDN, Varnish) may store the response and reuse it without asking the
   * origin first: none of {@code no-store}, {@code private} or {@code no-cache} is present. (Whether
   * it is fresh for long enough to matter is {@link #sharedMaxAge()}.)
   */
  public boolean isSharedCacheable() {
    return !noStore && !isPrivate && !noCache;
  }

  /** A builder holding all of this value's directives. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The field value, directives in a fixed order ({@code public}/{@code private}, {@code no-cache},
   * {@code no-store}, {@code max-age}, {@code s-maxage}, revalidation, {@code no-transform},
   * {@code immutable}, stale windows, extensions), separated by {@code ", "}. Empty for
   * {@link #empty()}. {@code parse(x.toHeaderValue())} equals {@code x}.
   */
  public String toHeaderValue() {
    StringBuilder sb = new StringBuilder(64);
    flag(sb, isPublic, "public");
    flag(sb, isPrivate, "private");
    flag(sb, noCache, "no-cache");
    flag(sb, noStore, "no-store");
    seconds(sb, "max-age", maxAge);
    seconds(sb, "s-maxage", sMaxAge);
    flag(sb, mustRevalidate, "must-revalidate");
    flag(sb, proxyRevalidate, "proxy-revalidate");
    flag(sb, noTransform, "no-transform");
    flag(sb, immutable, "immutable");
    seconds(sb, "stale-while-revalidate", staleWhileRevalidate);
    seconds(sb, "stale-if-error", staleIfError);
    extensions.forEach((name, arg) -> {
      separate(sb).append(name);
      if (arg != null) {
        sb.append('=').append(HttpSyntax.tokenOrQuoted(arg));
      }
    });
    return sb.toString();
  }

  private static void flag(StringBuilder sb, boolean on, String name) {
    if (on) {
      separate(sb).append(name);
    }
  }

  private static void seconds(StringBuilder sb, String name, Duration d) {
    if (d != null) {
      separate(sb).append(name).append('=').append(Math.min(d.getSeconds(), MAX_DELTA_SECONDS));
    }
  }

  private static StringBuilder separate(StringBuilder sb) {
    return sb.length() == 0 ? sb : sb.append(", ");
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CacheControl)) {
      return false;
    }
    CacheControl c = (CacheControl) o;
    return isPublic == c.isPublic && isPrivate == c.isPrivate && noCache == c.noCache && noStore == c.noStore
        && mustRevalidate == c.mustRevalidate && proxyRevalidate == c.proxyRevalidate
        && noTransform == c.noTransform && immutable == c.immutable && Objects.equals(maxAge, c.maxAge)
        && Objects.equals(sMaxAge, c.sMaxAge) && Objects.equals(staleWhileRevalidate, c.staleWhileRevalidate)
        && Objects.equals(staleIfError, c.staleIfError) && extensions.equals(c.extensions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(isPublic, isPrivate, noCache, noStore, mustRevalidate, proxyRevalidate, noTransform,
        immutable, maxAge, sMaxAge, staleWhileRevalidate, staleIfError, extensions);
  }

  /** The {@linkplain #toHeaderValue() field value}. */
  @Override
  public String toString() {
    return toHeaderValue();
  }

  /**
   * Builds a {@link CacheControl}. Each method sets one directive; durations are checked when set
   * (negative ones are rejected with a message quoting them) and truncated to whole seconds;
   * {@link #build()} rejects {@code public} together with {@code private}. Not thread-safe.
   */
  public static final class Builder {
    private boolean isPublic;
    private boolean isPrivate;
    private boolean noCache;
    private boolean noStore;
    private boolean mustRevalidate;
    private boolean proxyRevalidate;
    private boolean noTransform;
    private boolean immutable;
    private Duration maxAge;
    private Duration sMaxAge;
    private Duration staleWhileRevalidate;
    private Duration staleIfError;
    private final Map<String, String> extensions = new LinkedHashMap<>();

    private Builder() {}

    private Builder(CacheControl c) {
      isPublic = c.isPublic;
      isPrivate = c.isPrivate;
      noCache = c.noCache;
      noStore = c.noStore;
      mustRevalidate = c.mustRevalidate;
      proxyRevalidate = c.proxyRevalidate;
      noTransform = c.noTransform;
      immutable = c.immutable;
      maxAge = c.maxAge;
      sMaxAge = c.sMaxAge;
      staleWhileRevalidate = c.staleWhileRevalidate;
      staleIfError = c.staleIfError;
      extensions.putAll(c.extensions);
    }

    /** {@code public}; clears nothing, so do not combine with {@link #cachePrivate()}. */
    public Builder cachePublic() {
      isPublic = true;
      return this;
    }

    /** {@code private}. */
    public Builder cachePrivate() {
      isPrivate = true;
      return this;
    }

    /** {@code no-cache}. */
    public Builder noCache() {
      noCache = true;
      return this;
    }

    /** {@code no-store}. */
    public Builder noStore() {
      noStore = true;
      return this;
    }

    /** {@code must-revalidate}. */
    public Builder mustRevalidate() {
      mustRevalidate = true;
      return this;
    }

    /** {@code proxy-revalidate}. */
    public Builder proxyRevalidate() {
      proxyRevalidate = true;
      return this;
    }

    /** {@code no-transform}. */
    public Builder noTransform() {
      noTransform = true;
      return this;
    }

    /** {@code immutable}. */
    public Builder immutable() {
      immutable = true;
      return this;
    }

    /**
     * {@code max-age}; null removes it.
     *
     * @throws IllegalArgumentException if negative (the message quotes the value)
     */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = seconds("maxAge", maxAge);
      return this;
    }

    /**
     * {@code s-maxage}: the freshness lifetime for shared caches only; null removes it.
     *
     * @throws IllegalArgumentException if negative (the message quotes the value)
     */
    public Builder sMaxAge(Duration sMaxAge) {
      this.sMaxAge = seconds("sMaxAge", sMaxAge);
      return this;
    }

    /**
     * {@code stale-while-revalidate}; null removes it.
     *
     * @throws IllegalArgumentException if negative (the message quotes the value)
     */
    public Builder staleWhileRevalidate(Duration window) {
      this.staleWhileRevalidate = seconds("staleWhileRevalidate", window);
      return this;
    }

    /**
     * {@code stale-if-error}; null removes it.
     *
     * @throws IllegalArgumentException if negative (the message quotes the value)
     */
    public Builder staleIfError(Duration window) {
      this.staleIfError = seconds("staleIfError", window);
      return this;
    }

    /**
     * An extension directive, rendered after the standard ones; a null {@code argument} renders the
     * name alone. Names are stored in lower case.
     *
     * @throws IllegalArgumentException if {@code name} is not an HTTP token or names a standard directive
     */
    public Builder extension(String name, String argument) {
      Objects.requireNonNull(name, "name");
      if (!HttpSyntax.isToken(name)) {
        throw new IllegalArgumentException("extension directive name must be an HTTP token, was "
            + HttpSyntax.quoteForMessage(name));
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (STANDARD.contains(lower)) {
        throw new IllegalArgumentException("'" + lower + "' is a standard directive; use its builder method");
      }
      extensions.put(lower, argument);
      return this;
    }

    private static Duration seconds(String what, Duration d) {
      if (d == null) {
        return null;
      }
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative, was " + d);
      }
      return Duration.ofSeconds(d.getSeconds());
    }

    /**
     * The value.
     *
     * @throws IllegalArgumentException if both {@code public} and {@code private} are set
     */
    public CacheControl build() {
      if (isPublic && isPrivate) {
        throw new IllegalArgumentException("public and private exclude each other");
      }
      return new CacheControl(this);
    }
  }
}
