package io.hotset.http;

import java.util.Objects;

/**
 * A URL taken apart by {@link VersionedUrls#parse(String)}.
 *
 * @param version the version it names, e.g. {@code 3f9a1c}
 * @param unversioned the same URL without the version, e.g. {@code /assets/app.js}
 * @param style where the version sat
 */
public record VersionedUrl(String version, String unversioned, Style style) {
  /** Where a URL carries its version. */
  public enum Style {
    /** {@code /assets/app.js?v=3f9a1c} */
    QUERY,
    /** {@code /v/3f9a1c/assets/app.js} */
    PATH
  }

  /** Checks that no component is null. */
  public VersionedUrl {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(unversioned, "unversioned");
    Objects.requireNonNull(style, "style");
  }
}
