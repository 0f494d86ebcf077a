package io.hotset;

/**
 * What {@link Region#write} does to the caches after the source of truth accepted a write.
 * Seed 000 names the patterns and how each breaks; each policy here is built so that it does not.
 */
public enum WritePolicy {
  /**
   * Write the source, then invalidate the key in every tier and every process (revoking L2
   * leases). The next read loads the new value. The default: it cannot cache an old value.
   */
  INVALIDATE,
  /**
   * Write the source, then store the returned value in every tier, but only where it is newer
   * (by {@link RegionSpec.Builder#version}) than the cached one: of two concurrent writers, the
   * cache ends with the later version, whatever order their cache updates arrive in.
   */
  WRITE_THROUGH
}
