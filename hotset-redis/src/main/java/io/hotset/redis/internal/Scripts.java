package io.hotset.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/*
 * The lease protocol in Redis (after Nishtala et al., "Scaling Memcache at Facebook",
 * NSDI 2013, section 3.2.1), one key at a time, atomically per key by Lua scripts:
 *
 *   data    <prefix>{<region>:<key>}          the envelope bytes, PX = the entry's hard expiry
 *   lease   <prefix>{<region>:<key>}:lease    the holder's token, PX = leaseTtl
 *   waiters <prefix>{<region>:<key>}:w        set when someone waits, so fills notify only then
 *   pos     <prefix>{<region>:<key>}:pos      the source position of the key's last positioned
 *                                             delete (decimal), PX = the region's retention
 *
 * The hash tag keeps the three on one cluster slot. READ_OR_LEASE returns fresh bytes, or
 * grants the lease (SET NX), or reports it held (and marks a waiter). FILL stores only while
 * the lease still holds the caller's token. DELETE (every invalidation) and PUT drop the data
 * and the lease together: that is the revocation that makes a fill of pre-invalidation data
 * fail. Whoever ends a lease (fill, release, revocation) publishes the data key on the fills
 * channel if anyone waits, so waiters wake on the event instead of polling. A positioned DELETE
 * keeps the higher of its position and the stored one in pos, and READ_OR_LEASE returns pos with
 * every lease it grants: the holder then loads from a source at least that new, even if the
 * broadcast of the invalidation has not reached its process yet. Positions are compared as
 * decimal strings (length, then text), exactly, not as Lua numbers (doubles).
 */
final class Scripts {
  private Scripts() {}

  /**
   * KEYS: data, lease, waiters, pos. ARGV: token, leaseMs, nowMs, ignoreValue (0|1). Returns
   * {code, bytes, pos}.
   */
  static final Script READ_OR_LEASE = new Script("""
      local v = redis.call('GET', KEYS[1])
      if v and ARGV[4] == '0' and string.len(v) >= 35 and string.byte(v, 1) == 104 then
        local fresh = struct.unpack('>i8', v, 28)
        if fresh > tonumber(ARGV[3]) then return {1, v} end
      end
      if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
        return {2, v or false, redis.call('GET', KEYS[4]) or false}
      end
      redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
      return {3, v or false}
      """);

  /** KEYS: data, lease, waiters. ARGV: token, value, ttlMs, channel. Returns 1 if stored. */
  static final Script FILL = new Script("""
      if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
      redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
      redis.call('DEL', KEYS[2])
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[4], KEYS[1]) end
      return 1
      """);

  /** KEYS: data, lease, waiters. ARGV: token, channel. */
  static final Script RELEASE = new Script("""
      if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[2], KEYS[1]) end
      return 1
      """);

  /** KEYS: data, lease, waiters. ARGV: channel. Deletes the data and revokes the lease. */
  static final Script DELETE = new Script("""
      redis.call('DEL', KEYS[1], KEYS[2])
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[1], KEYS[1]) end
      return 1
      """);

  /**
   * KEYS: data, lease, waiters, pos. ARGV: channel, position (decimal, no leading zeros),
   * retentionMs. As DELETE, and keeps the higher of the position and the stored one.
   */
  static final Script DELETE_AT = new Script("""
      redis.call('DEL', KEYS[1], KEYS[2])
      local old = redis.call('GET', KEYS[4])
      local p = ARGV[2]
      if old and (string.len(old) > string.len(p) or (string.len(old) == string.len(p) and old > p)) then
        p = old
      end
      redis.call('SET', KEYS[4], p, 'PX', ARGV[3])
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[1], KEYS[1]) end
      return 1
      """);

  /** KEYS: data, lease, waiters. ARGV: value, ttlMs, channel. Stores and revokes the lease. */
  static final Script PUT = new Script("""
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
      redis.call('DEL', KEYS[2])
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[3], KEYS[1]) end
      return 1
      """);

  /**
   * KEYS: data, lease, waiters. ARGV: value, ttlMs, version, channel. Stores only over nothing or
   * a lower version (write-through); always revokes the lease, since a load in flight may have
   * read the source before this write. Returns 1 if stored.
   */
  static final Script PUT_IF_NEWER = new Script("""
      local stored = 0
      local v = redis.call('GET', KEYS[1])
      local newer = true
      if v and string.len(v) >= 35 and string.byte(v, 1) == 104 then
        newer = struct.unpack('>i8', v, 4) < tonumber(ARGV[3])
      end
      if newer then
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        stored = 1
      end
      redis.call('DEL', KEYS[2])
      if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[4], KEYS[1]) end
      return stored
      """);

  /** A Lua script with its SHA-1, for EVALSHA with an EVAL fallback. */
  record Script(String source, String sha) {
    Script(String source) {
      this(source, sha1(source));
    }

    private static String sha1(String s) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
