package io.hotset.spi;

import java.util.List;
import java.util.Objects;

/**
 * One invalidation as it crosses processes: the keys (in their string form) and tags of one
 * region that are now wrong. Invalidations are the only thing broadcast; values never are.
 *
 * @param region the region name
 * @param keys keys in {@link KeyFormat} string form
 * @param tags tags whose entries are all wrong
 * @param origin the instance id of the publisher, so it can ignore its own message
 * @param source what caused it ({@code api}, {@code put}, {@code write}, {@code cdc}, ...)
 * @param issuedAtMillis wall-clock time of the change, for invalidation-lag metrics
 * @param sourcePosition the source's position of the change (for PostgreSQL its commit's WAL
 *     position), which fills of these keys must read at or past; {@code 0} when unknown (see
 *     {@link io.hotset.Loader#load(Object, long)})
 */
public record Invalidation(
    String region, List<String> keys, List<String> tags, String origin, String source,
    long issuedAtMillis, long sourcePosition) {

  /** An invalidation with no source position. */
  public Invalidation(String region, List<String> keys, List<String> tags, String origin, String source,
      long issuedAtMillis) {
    this(region, keys, tags, origin, source, issuedAtMillis, 0L);
  }

  public Invalidation {
    Objects.requireNonNull(region, "region");
    keys = List.copyOf(keys);
    tags = List.copyOf(tags);
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(source, "source");
    if (sourcePosition < 0) {
      throw new IllegalArgumentException("sourcePosition must be >= 0, was " + sourcePosition);
    }
  }
}
