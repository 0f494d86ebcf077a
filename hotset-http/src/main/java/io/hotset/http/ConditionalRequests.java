package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.function.Function;

/**
 * Evaluates the preconditions of a request against the current representation, in the order of
 * RFC 9110 §13.2.2: {@code If-Match}, else {@code If-Unmodified-Since}; then {@code If-None-Match},
 * else (GET/HEAD only) {@code If-Modified-Since}. Range requests are not considered.
 *
 * <p>Call it only when the response would otherwise be a 2xx for an existing resource (for a 404 the
 * preconditions do not apply). Headers are read through a lookup function so any framework fits,
 * e.g. Javalin's {@code ctx::header}. Pure and thread-safe.
 */
public final class ConditionalRequests {
  private ConditionalRequests() {}

  /** What to do with the request. */
  public enum Outcome {
    /** Run the method normally (send the full 2xx response). */
    PROCEED(0),
    /** Answer {@code 304 Not Modified} without a body (GET/HEAD only). */
    NOT_MODIFIED(304),
    /** Answer {@code 412 Precondition Failed}. */
    PRECONDITION_FAILED(412);

    private final int status;

    Outcome(int status) {
      this.status = status;
    }

    /** The status code to answer with instead of running the method, or 0 for {@link #PROCEED}. */
    public int status() {
      return status;
    }
  }

  /**
   * The outcome for a request, judged by entity tag only.
   *
   * @param method the request method (e.g. {@code "GET"})
   * @param requestHeader returns a request header's value by name, or null when absent
   * @param etag the current representation's tag in header form (e.g. {@code "\"v42\""}), or null
   *     if the resource has no current representation
   * @throws IllegalArgumentException if {@code etag} is not an entity tag
   */
  public static Outcome evaluate(String method, Function<String, String> requestHeader, String etag) {
    return evaluate(method, requestHeader, etag, null);
  }

  /**
   * The outcome for a request, judged by entity tag and, where the request carries no tag
   * condition, by modification date ({@code If-Modified-Since} / {@code If-Unmodified-Since},
   * compared at the one-second precision of HTTP dates; dates that do not parse are ignored).
   *
   * @param lastModified when the representation last changed, or null if unknown
   * @throws IllegalArgumentException if {@code etag} is not an entity tag
   */
  public static Outcome evaluate(String method, Function<String, String> requestHeader, String etag,
      Instant lastModified) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(requestHeader, "requestHeader");
    boolean getOrHead = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);

    String ifMatch = requestHeader.apply("If-Match");
    if (ifMatch != null) {
      if (!ETags.matchesIfMatch(ifMatch, etag)) {
        return Outcome.PRECONDITION_FAILED;
      }
    } else {
      Instant ius = parseDate(requestHeader.apply("If-Unmodified-Since"));
      if (ius != null && lastModified != null && truncated(lastModified).isAfter(ius)) {
        return Outcome.PRECONDITION_FAILED;
      }
    }

    String ifNoneMatch = requestHeader.apply("If-None-Match");
    if (ifNoneMatch != null) {
      if (ETags.matchesIfNoneMatch(ifNoneMatch, etag)) {
        return getOrHead ? Outcome.NOT_MODIFIED : Outcome.PRECONDITION_FAILED;
      }
    } else if (getOrHead) {
      Instant ims = parseDate(requestHeader.apply("If-Modified-Since"));
      if (ims != null && lastModified != null && !truncated(lastModified).isAfter(ims)) {
        return Outcome.NOT_MODIFIED;
      }
    }
    return Outcome.PROCEED;
  }

  private static Instant truncated(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS);
  }

  /** An HTTP-date in IMF-fixdate form (RFC 9110 §5.6.7), or null if absent or malformed. */
  static Instant parseDate(String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(HttpSyntax.trimOws(value), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
