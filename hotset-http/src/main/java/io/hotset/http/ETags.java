package io.hotset.http;

import io.hotset.http.internal.HttpSyntax;
import io.hotset.http.internal.KeyEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Entity tags derived from a cached value's version, and the two precondition comparisons of
 * RFC 9110 §13.1: {@code If-None-Match} (weak comparison) and {@code If-Match} (strong comparison).
 * Every row of the catalog carries a version that changes with every write, so a tag built from it
 * is strong: two representations with the same version are byte-for-byte the same.
 *
 * <p>All methods are pure and thread-safe. Tags are header values, quotes included.
 */
public final class ETags {
  private ETags() {}

  /** A strong tag for a version: {@code "v42"}. */
  public static String strong(long version) {
    return "\"v" + version + '"';
  }

  /**
   * A strong tag naming the region, the id and the version: {@code "product:42:v7"}. Characters
   * that may not appear in a tag, the colon and {@code %} are percent-encoded (UTF-8), so every id
   * gives a valid, unambiguous tag.
   *
   * @throws NullPointerException if {@code region} or {@code id} is null
   */
  public static String strong(String region, String id, long version) {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(id, "id");
    return '"' + KeyEncoding.encode(region) + ':' + KeyEncoding.encode(id) + ":v" + version + '"';
  }

  /** A weak tag for a version: {@code W/"v42"} (semantically equivalent, not byte-identical). */
  public static String weak(long version) {
    return "W/\"v" + version + '"';
  }

  /**
   * Parses an {@code If-None-Match} or {@code If-Match} list leniently: members that are not entity
   * tags (including {@code *}) are skipped; commas inside a tag are kept.
   *
   * @param header the field value; null gives an empty list
   */
  public static List<EntityTag> parseList(String header) {
    List<EntityTag> tags = new ArrayList<>();
    for (String member : HttpSyntax.splitList(header)) {
      EntityTag tag = EntityTag.tryParse(member);
      if (tag != null) {
        tags.add(tag);
      }
    }
    return tags;
  }

  /**
   * Whether an {@code If-None-Match} header matches the current representation (RFC 9110
   * §13.1.2), i.e. whether a GET or HEAD should get {@code 304 Not Modified}: {@code *} matches
   * any existing representation; otherwise any listed tag must equal {@code etag} under weak
   * comparison ({@code W/"v1"} matches {@code "v1"}).
   *
   * @param ifNoneMatch the request's field value; null or blank never matches
   * @param etag the current representation's tag in header form, or null if there is none
   * @throws IllegalArgumentException if {@code etag} is not null and not an entity tag
   */
  public static boolean matchesIfNoneMatch(String ifNoneMatch, String etag) {
    EntityTag current = etag == null ? null : EntityTag.parse(etag);
    if (ifNoneMatch == null || current == null) {
      return false;
    }
    if (isStar(ifNoneMatch)) {
      return true;
    }
    for (EntityTag tag : parseList(ifNoneMatch)) {
      if (tag.weakMatches(current)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether an {@code If-Match} header is satisfied (RFC 9110 §13.1.1): {@code *} is satisfied
   * by any existing representation; otherwise a listed tag must equal {@code etag} under strong
   * comparison, so a weak tag on either side never satisfies it.
   *
   * @param ifMatch the request's field value; null or blank is satisfied (no precondition)
   * @param etag the current representation's tag in header form, or null if there is none
   * @throws IllegalArgumentException if {@code etag} is not null and not an entity tag
   */
  public static boolean matchesIfMatch(String ifMatch, String etag) {
    EntityTag current = etag == null ? null : EntityTag.parse(etag);
    if (ifMatch == null || HttpSyntax.trimOws(ifMatch).isEmpty()) {
      return true;
    }
    if (current == null) {
      return false;
    }
    if (isStar(ifMatch)) {
      return true;
    }
    for (EntityTag tag : parseList(ifMatch)) {
      if (tag.strongMatches(current)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isStar(String header) {
    return "*".equals(HttpSyntax.trimOws(header));
  }
}
