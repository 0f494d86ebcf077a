package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import io.hotset.http.internal.PathNormalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The routes that must never be cached anywhere — live reads of price and stock for checkout — and
 * the middleware step that makes sure of it. Applied <em>after</em> the handler ran,
 * {@link #enforce(String, HeaderSink)} overwrites {@code Cache-Control} with {@code no-store} and
 * removes the headers that would let an edge keep or tag the response, so no handler can opt a
 * strong route into caching by mistake (seed 000: "applied in middleware, not in handlers").
 *
 * <pre>{@code
 * StrongRoutePolicy strong = StrongRoutePolicy.builder().prefix("/strong/").build();
 * app.after(ctx -> strong.enforce(ctx.path(),
 *     HeaderSink.of(ctx.res()::setHeader, name -> ctx.res().setHeader(name, null))));   // Javalin
 * }</pre>
 *
 * <p>Matching errs toward {@code no-store}: the path is percent-decoded, {@code ;parameters},
 * repeated slashes and dot segments are removed, and the comparison ignores case, so
 * {@code /STRONG//x}, {@code /strong;a=b/x} and {@code /x/../strong/y} all count as strong. A prefix
 * matches on segment boundaries: {@code /strong} matches {@code /strong} and {@code /strong/...},
 * not {@code /strongbox}. Immutable and thread-safe.
 */
public final class StrongRoutePolicy {
  /** The value strong routes get. */
  public static final String CACHE_CONTROL = "no-store";
  /** Headers removed from strong responses: they would let a cache keep, extend or tag them. */
  public static final List<String> REMOVED_HEADERS = List.of("Expires", "Surrogate-Control",
      SurrogateKeys.SURROGATE_KEY_HEADER, SurrogateKeys.XKEY_HEADER, "CDN-Cache-Control");

  private final List<String> prefixes;
  private final List<Pattern> patterns;

  private StrongRoutePolicy(Builder b) {
    this.prefixes = List.copyOf(b.prefixes);
    this.patterns = List.copyOf(b.patterns);
  }

  /** A builder without routes. */
  public static Builder builder() {
    return new Builder();
  }

  /** A policy with these path prefixes, e.g. {@code of("/strong/")}. */
  public static StrongRoutePolicy of(String... prefixes) {
    Builder b = builder();
    for (String p : prefixes) {
      b.prefix(p);
    }
    return b.build();
  }

  /** Whether {@code path} (a request path, with or without query string) is a strong route. */
  public boolean isStrong(String path) {
    if (path == null) {
      return false;
    }
    String normalized = PathNormalizer.normalize(path);
    String lower = normalized.toLowerCase(Locale.ROOT);
    for (String prefix : prefixes) {
      if (lower.equals(prefix) || lower.startsWith(prefix + "/") || "/".equals(prefix)) {
        return true;
      }
    }
    for (Pattern p : patterns) {
      if (p.matcher(normalized).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * If {@code path} is strong, sets {@code Cache-Control: no-store} and removes
   * {@link #REMOVED_HEADERS}, whatever the handler wrote; otherwise leaves the headers alone.
   * {@code ETag} and {@code Last-Modified} stay: they enable no storage, only validation.
   *
   * @return whether the path was strong (and the headers were changed)
   */
  public boolean enforce(String path, HeaderSink headers) {
    Objects.requireNonNull(headers, "headers");
    if (!isStrong(path)) {
      return false;
    }
    headers.set("Cache-Control", CACHE_CONTROL);
    for (String h : REMOVED_HEADERS) {
      headers.remove(h);
    }
    return true;
  }

  /**
   * {@link #enforce(String, HeaderSink)} on a mutable header map (names matched case-insensitively).
   */
  public boolean enforce(String path, Map<String, List<String>> responseHeaders) {
    return enforce(path, HeaderSink.of(responseHeaders));
  }

  /** The declared prefixes (normalized: lower case, no trailing slash). */
  public List<String> prefixes() {
    return prefixes;
  }

  /** The declared patterns. */
  public List<Pattern> patterns() {
    return patterns;
  }

  @Override
  public String toString() {
    return "StrongRoutePolicy[prefixes=" + prefixes + ", patterns=" + patterns + "]";
  }

  /** Builds a {@link StrongRoutePolicy}. Not thread-safe. */
  public static final class Builder {
    private final List<String> prefixes = new ArrayList<>();
    private final List<Pattern> patterns = new ArrayList<>();

    private Builder() {}

    /**
     * A path prefix, matched on segment boundaries ({@code /strong/} and {@code /strong} are the
     * same prefix).
     *
     * @throws IllegalArgumentException if it does not start with {@code /} (the message quotes it)
     */
    public Builder prefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (!prefix.startsWith("/")) {
        throw new IllegalArgumentException("strong route prefix must start with '/', was "
            + HttpSyntax.quoteForMessage(prefix));
      }
      String p = PathNormalizer.normalize(prefix).toLowerCase(Locale.ROOT);
      while (p.length() > 1 && p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      prefixes.add(p);
      return this;
    }

    /** A regular expression that must match the whole normalized path, e.g. {@code /checkout/.*}. */
    public Builder pattern(Pattern pattern) {
      patterns.add(Objects.requireNonNull(pattern, "pattern"));
      return this;
    }

    /** {@link #pattern(Pattern)} of {@code Pattern.compile(regex, CASE_INSENSITIVE)}. */
    public Builder pattern(String regex) {
      return pattern(Pattern.compile(Objects.requireNonNull(regex, "regex"), Pattern.CASE_INSENSITIVE));
    }

    /** The policy. */
    public StrongRoutePolicy build() {
      return new StrongRoutePolicy(this);
    }
  }
}
