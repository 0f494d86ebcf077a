package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Versioned URLs: the version of the content is part of its URL ({@code /assets/app.js?v=3f9a1c},
 * {@code /products/42?v=7} or {@code /v/3f9a1c/assets/app.js}), so a change needs no purge at all
 * — the page links to the new URL and the old one simply stops being asked for. Such a response
 * never changes, so it is sent with {@link #cacheControl()}: {@code public, max-age=31536000,
 * immutable}.
 *
 * <p>A version is 1 to 128 characters from {@code A-Z a-z 0-9 . _ ~ -} (URL-safe without
 * encoding). Pure and thread-safe.
 */
public final class VersionedUrls {
  /** The query parameter carrying the version. */
  public static final String QUERY_PARAMETER = "v";
  /** The path prefix of the path style: {@code /v/<version>/...}. */
  public static final String PATH_PREFIX = "/v/";
  /** The freshness lifetime of a versioned response: 365 days (the usual "forever"). */
  public static final Duration IMMUTABLE_MAX_AGE = Duration.ofDays(365);

  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
  private static final CacheControl IMMUTABLE =
      CacheControl.builder().cachePublic().maxAge(IMMUTABLE_MAX_AGE).immutable().build();
  private static final CacheControl MISMATCH = CacheControl.builder().noCache().build();

  private VersionedUrls() {}

  /**
   * Returns {@code version} if it is valid.
   *
   * @throws IllegalArgumentException naming the version otherwise
   */
  public static String validateVersion(String version) {
    Objects.requireNonNull(version, "version");
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("version must be 1-128 characters of A-Z a-z 0-9 . _ ~ -, was "
          + HttpSyntax.quoteForMessage(version));
    }
    return version;
  }

  /** {@link #withQueryVersion(String, String)} with a row version: {@code /products/42?v=7}. */
  public static String withQueryVersion(String url, long version) {
    return withQueryVersion(url, Long.toString(version));
  }

  /**
   * {@code url} with {@code v=<version>} in its query: appended, or replacing an existing
   * {@code v} parameter; a fragment stays at the end.
   *
   * @throws IllegalArgumentException if {@code url} does not start with {@code /} or the version is invalid
   */
  public static String withQueryVersion(String url, String version) {
    checkPath(url);
    validateVersion(version);
    int hash = url.indexOf('#');
    String fragment = hash < 0 ? "" : url.substring(hash);
    String beforeFragment = hash < 0 ? url : url.substring(0, hash);
    int q = beforeFragment.indexOf('?');
    String path = q < 0 ? beforeFragment : beforeFragment.substring(0, q);
    List<String> params = q < 0 ? new ArrayList<>() : queryParams(beforeFragment.substring(q + 1));
    params.removeIf(p -> paramName(p).equals(QUERY_PARAMETER));
    params.add(QUERY_PARAMETER + "=" + version);
    return path + "?" + String.join("&", params) + fragment;
  }

  /**
   * {@code /v/<version>} followed by {@code path}: {@code /v/3f9a1c/assets/app.js}.
   *
   * @throws IllegalArgumentException if {@code path} does not start with {@code /} or the version is invalid
   */
  public static String withPathVersion(String path, String version) {
    checkPath(path);
    return PATH_PREFIX + validateVersion(version) + path;
  }

  /**
   * Takes a versioned URL apart: the path style if the path starts with {@code /v/<version>/},
   * else the query style if a {@code v} parameter holds a valid version. Lenient: anything else is
   * simply not versioned.
   *
   * @param url a path with optional query, e.g. a request's path and query string; null gives empty
   */
  public static Optional<VersionedUrl> parse(String url) {
    if (url == null || !url.startsWith("/")) {
      return Optional.empty();
    }
    int hash = url.indexOf('#');
    String u = hash < 0 ? url : url.substring(0, hash);
    if (u.startsWith(PATH_PREFIX)) {
      int end = u.indexOf('/', PATH_PREFIX.length());
      if (end > 0) {
        String version = u.substring(PATH_PREFIX.length(), end);
        if (VERSION.matcher(version).matches()) {
          return Optional.of(new VersionedUrl(version, u.substring(end), VersionedUrl.Style.PATH));
        }
      }
    }
    int q = u.indexOf('?');
    if (q < 0) {
      return Optional.empty();
    }
    List<String> params = queryParams(u.substring(q + 1));
    for (int i = 0; i < params.size(); i++) {
      String p = params.get(i);
      if (paramName(p).equals(QUERY_PARAMETER)) {
        String version = p.substring(Math.min(p.length(), QUERY_PARAMETER.length() + 1));
        if (!VERSION.matcher(version).matches()) {
          return Optional.empty();
        }
        params.remove(i);
        String rest = u.substring(0, q) + (params.isEmpty() ? "" : "?" + String.join("&", params));
        return Optional.of(new VersionedUrl(version, rest, VersionedUrl.Style.QUERY));
      }
    }
    return Optional.empty();
  }

  /** {@code public, max-age=31536000, immutable}: for a response served under its own version's URL. */
  public static CacheControl cacheControl() {
    return IMMUTABLE;
  }

  /**
   * The header for a request that asked for {@code requestedVersion} while the content is at
   * {@code currentVersion}: {@link #cacheControl()} when they are equal; otherwise {@code no-cache},
   * because the content sent is not the one the URL names and must not be kept under it for a year
   * (better still, redirect to the current URL).
   */
  public static CacheControl cacheControlFor(String requestedVersion, String currentVersion) {
    Objects.requireNonNull(currentVersion, "currentVersion");
    return currentVersion.equals(requestedVersion) ? IMMUTABLE : MISMATCH;
  }

  /**
   * A version derived from content: the first 16 hex digits (64 bits) of its SHA-256, for
   * {@code ?v=<hash>} asset URLs.
   */
  public static String contentVersion(byte[] content) {
    Objects.requireNonNull(content, "content");
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
      StringBuilder sb = new StringBuilder(16);
      for (int i = 0; i < 8; i++) {
        sb.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** {@link #contentVersion(byte[])} of the UTF-8 bytes of {@code content}. */
  public static String contentVersion(String content) {
    return contentVersion(content.getBytes(StandardCharsets.UTF_8));
  }

  private static void checkPath(String url) {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith("/")) {
      throw new IllegalArgumentException("expected a path starting with '/', was " + HttpSyntax.quoteForMessage(url));
    }
  }

  private static List<String> queryParams(String query) {
    List<String> out = new ArrayList<>();
    for (String p : query.split("&")) {
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  private static String paramName(String param) {
    int eq = param.indexOf('=');
    return eq < 0 ? param : param.substring(0, eq);
  }
}
