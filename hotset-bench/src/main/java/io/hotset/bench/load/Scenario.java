package io.hotset.bench.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The named scenarios of the seeds, each a set of defaults on top of which command-line options
 * apply. What each reports beyond the common numbers is in {@link ScenarioFindings}.
 */
public enum Scenario {
  /** Free-form: the base defaults (Zipf 0.99, 1% writes, 10 s warm-up, 60 s). */
  RUN("run", "free-form load with the base defaults"),
  /** Zipf 0.99 reads with 1% writes: the everyday shape of a read-heavy catalog. */
  STEADY("steady", "Zipf(0.99) reads with 1% price writes"),
  /**
   * Read every id once, then keep reading while every entry expires (1.25 x TTL), or invalidate all
   * their tags at {@code --invalidate-at}: database queries per expired key (one is the promise).
   */
  STAMPEDE("stampede", "warm all ids, then read through their expiry (or a mass invalidation); DB queries per expired key",
      "mass-expiry"),
  /** Steady load with hooks (e.g. kill -STOP / -CONT of redis-server): errors and latency per phase. */
  REDIS_OUTAGE("redis-outage", "steady load with --at hooks (e.g. kill -STOP/-CONT redis); errors per phase"),
  /** Reads of ids that do not exist: database queries per distinct missing id. */
  PENETRATION("penetration", "reads of random ids beyond --products (404s); DB queries per distinct missing id"),
  /** One id takes a large share of all reads. */
  HOT_KEY("hot-key", "one id (--hot-id) takes --hot-share of all reads", "viral"),
  /** No warm-up: time until the share of reads served without the database reaches the target. */
  COLD_START("cold-start", "no warm-up; time until the share of reads served without the DB reaches 90%"),
  /** Reads while {@code POST /admin/invalidate} purges hot ids' tags at a steady rate. */
  PURGE_STORM("purge-storm", "reads while POST /admin/invalidate purges tags at --purge-rate (needs --admin-token)");

  private final String id;
  private final String description;
  private final List<String> aliases;

  Scenario(String id, String description, String... aliases) {
    this.id = id;
    this.description = description;
    this.aliases = List.of(aliases);
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** The scenario named {@code name} (or one of its aliases), any case. */
  public static Scenario of(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (Scenario s : values()) {
      if (s.id.equals(n) || s.aliases.contains(n)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario '" + name + "'; one of "
        + Arrays.stream(values()).map(Scenario::id).toList());
  }

  /** A builder holding this scenario's defaults. */
  public LoadConfig.Builder builder() {
    LoadConfig.Builder b = LoadConfig.builder().scenario(id);
    switch (this) {
      case RUN, STEADY, REDIS_OUTAGE -> { }
      case STAMPEDE -> b.warmup(Duration.ZERO).writeRatio(0).prewarmKeys(-1).duration(null);
      case PENETRATION -> b.warmup(Duration.ZERO).writeRatio(0).missingShare(1.0);
      case HOT_KEY -> b.writeRatio(0).hotId(1).hotShare(0.3);
      case COLD_START -> b.warmup(Duration.ZERO);
      case PURGE_STORM -> b.writeRatio(0).purgeRate(20).purgeBatch(10);
      default -> throw new AssertionError(this);
    }
    return b;
  }
}
