package io.hotset.http;

import static io.hotset.http.ConditionalRequests.Outcome.NOT_MODIFIED;
import static io.hotset.http.ConditionalRequests.Outcome.PRECONDITION_FAILED;
import static io.hotset.http.ConditionalRequests.Outcome.PROCEED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ConditionalRequestsTest {
  private static final String ETAG = "\"v7\"";
  private static final Instant MODIFIED = Instant.parse("2024-05-01T10:00:00.750Z");
  private static final String AT_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT";
  private static final String BEFORE = "Wed, 01 May 2024 09:59:59 GMT";
  private static final String AFTER = "Wed, 01 May 2024 11:00:00 GMT";

  private static Function<String, String> headers(String... nameValues) {
    Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < nameValues.length; i += 2) {
      m.put(nameValues[i], nameValues[i + 1]);
    }
    return m::get;
  }

  @Test
  void matchingIfNoneMatchGivesNotModifiedForGetAndHead() {
    assertThat(ConditionalRequests.evaluate("GET", headers("If-None-Match", ETAG), ETAG)).isEqualTo(NOT_MODIFIED);
    assertThat(ConditionalRequests.evaluate("HEAD", headers("if-none-match", "W/\"v7\""), ETAG)).isEqualTo(NOT_MODIFIED);
    assertThat(NOT_MODIFIED.status()).isEqualTo(304);
  }

  @Test
  void otherTagsOrNoHeaderProceed() {
    assertThat(ConditionalRequests.evaluate("GET", headers("If-None-Match", "\"v6\""), ETAG)).isEqualTo(PROCEED);
    assertThat(ConditionalRequests.evaluate("GET", headers(), ETAG)).isEqualTo(PROCEED);
    assertThat(PROCEED.status()).isZero();
  }

  @Test
  void matchingIfNoneMatchOnAnUnsafeMethodFailsThePrecondition() {
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-None-Match", "*"), ETAG)).isEqualTo(PRECONDITION_FAILED);
    assertThat(PRECONDITION_FAILED.status()).isEqualTo(412);
  }

  @Test
  void ifMatchIsEvaluatedFirst() {
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Match", "\"v6\""), ETAG)).isEqualTo(PRECONDITION_FAILED);
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Match", ETAG), ETAG)).isEqualTo(PROCEED);
    // a failed If-Match wins over a matching If-None-Match
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Match", "\"v6\"", "If-None-Match", ETAG), ETAG))
        .isEqualTo(PRECONDITION_FAILED);
    // If-Match: * on a resource without a representation
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Match", "*"), null)).isEqualTo(PRECONDITION_FAILED);
  }

  @Test
  void ifModifiedSinceCountsOnlyWithoutIfNoneMatchAndAtSecondPrecision() {
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Modified-Since", AT_MODIFIED), ETAG, MODIFIED))
        .isEqualTo(NOT_MODIFIED);
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Modified-Since", AFTER), ETAG, MODIFIED))
        .isEqualTo(NOT_MODIFIED);
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Modified-Since", BEFORE), ETAG, MODIFIED))
        .isEqualTo(PROCEED);
    // If-None-Match present (and not matching): If-Modified-Since is ignored
    assertThat(ConditionalRequests.evaluate("GET",
        headers("If-None-Match", "\"v6\"", "If-Modified-Since", AFTER), ETAG, MODIFIED)).isEqualTo(PROCEED);
    // only for GET and HEAD
    assertThat(ConditionalRequests.evaluate("POST", headers("If-Modified-Since", AFTER), ETAG, MODIFIED))
        .isEqualTo(PROCEED);
    // unknown modification time
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Modified-Since", AFTER), ETAG, null)).isEqualTo(PROCEED);
  }

  @Test
  void ifUnmodifiedSinceCountsOnlyWithoutIfMatch() {
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Unmodified-Since", BEFORE), ETAG, MODIFIED))
        .isEqualTo(PRECONDITION_FAILED);
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Unmodified-Since", AT_MODIFIED), ETAG, MODIFIED))
        .isEqualTo(PROCEED);
    assertThat(ConditionalRequests.evaluate("PUT",
        headers("If-Match", ETAG, "If-Unmodified-Since", BEFORE), ETAG, MODIFIED)).isEqualTo(PROCEED);
  }

  @Test
  void malformedDatesAreIgnored() {
    assertThat(ConditionalRequests.evaluate("GET", headers("If-Modified-Since", "yesterday"), ETAG, MODIFIED))
        .isEqualTo(PROCEED);
    assertThat(ConditionalRequests.evaluate("PUT", headers("If-Unmodified-Since", "1714557600"), ETAG, MODIFIED))
        .isEqualTo(PROCEED);
  }
}
