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
 */
public record Invalidation(
    String region, List<String> keys, List<String> tags, String origin, String source,
    long issuedAtMillis) {

  public Invalidation {
    Objects.requireNonNull(region, "region");
    keys = List.copyOf(keys);
    tags = List.copyOf(tags);
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(source, "source");
  }
}
