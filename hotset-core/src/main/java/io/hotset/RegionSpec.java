package io.hotset;

import io.hotset.internal.JsonCodec;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.ValueCodec;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * The immutable description of one region: what it holds, how big its L1 may grow, how long
 * entries stay fresh and how loads are done. Built with {@link #builder}; {@link Builder#build()}
 * rejects contradictory or out-of-range settings with a message quoting the value.
 *
 * <p>Freshness options, from a single entry's point of view to the region's: {@code ttl} with
 * {@code ttlJitter}; {@code staleWhileRevalidate} and {@code staleIfError} after it; reads
 * near expiry refreshing early ({@code earlyRefreshBeta}, {@code refreshAheadFraction}); and
 * {@link Builder#keepWarm(int) keepWarm(topN)}, which reloads the region's most read keys
 * before they expire whether or not a read comes near their expiry. Filling L1 on start (from
 * L2 or a key list, rate-limited) is {@link Region#warmUp} and {@link Region#warmUpFromL2}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RegionSpec<K, V> {
  public static final long DEFAULT_MAXIMUM_SIZE = 10_000;
  public static final double DEFAULT_TTL_JITTER = 0.10;
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(5);
  public static final double DEFAULT_EARLY_REFRESH_BETA = 1.0;
  public static final int DEFAULT_MAX_CONCURRENT_LOADS = 32;
  public static final Duration DEFAULT_MAX_LOAD_WAIT = Duration.ofMillis(10);
  public static final int DEFAULT_MAX_KEY_LENGTH = 512;
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(5);
  public static final double DEFAULT_HOT_KEY_SHARE = 0.01;
  public static final int DEFAULT_MAX_HOT_KEYS = 16;
  /** The largest {@link Builder#keepWarm(int)}: each keep-warm pass looks at this many keys at most. */
  public static final int MAX_KEEP_WARM = 10_000;
  /**
   * How long a region remembers the source position of an invalidation by default (see
   * {@link Builder#sourcePositionRetention}).
   */
  public static final Duration DEFAULT_SOURCE_POSITION_RETENTION = Duration.ofMinutes(10);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final String name;
  private final Class<K> keyType;
  private final ValueType<V> valueType;
  private final long maximumSize;
  private final long maximumWeight;
  private final ToIntBiFunction<? super K, ? super V> weigher;
  private final Duration ttl;
  private final double ttlJitter;
  private final Duration staleWhileRevalidate;
  private final Duration staleIfError;
  private final Duration negativeTtl;
  private final double earlyRefreshBeta;
  private final double refreshAheadFraction;
  private final int maxConcurrentLoads;
  private final Duration maxLoadWait;
  private final int maxKeyLength;
  private final Duration leaseTtl;
  private final Duration sourcePositionRetention;
  private final boolean l1;
  private final double hotKeyShare;
  private final int maxHotKeys;
  private final int keepWarm;
  private final KeyFormat<K> keyFormat;
  private final ValueCodec<V> codec;
  private final Loader<? super K, ? extends V> loader;
  private final BatchLoader<K, V> batchLoader;
  private final Writer<K, V> writer;
  private final WritePolicy writePolicy;
  private final Function<? super V, ? extends Collection<String>> tags;
  private final ToLongFunction<? super V> version;
  private final long bloomExpectedKeys;
  private final double bloomFalsePositiveRate;
  private final Supplier<? extends Iterable<? extends K>> bloomExistingKeys;

  private RegionSpec(Builder<K, V> b, long maximumSize, Duration negativeTtl, KeyFormat<K> keyFormat,
      ValueCodec<V> codec) {
    this.name = b.name;
    this.keyType = b.keyType;
    this.valueType = b.valueType;
    this.maximumSize = maximumSize;
    this.maximumWeight = Math.max(0, b.maximumWeight);
    this.weigher = b.weigher;
    this.ttl = b.ttl;
    this.ttlJitter = b.ttlJitter;
    this.staleWhileRevalidate = b.staleWhileRevalidate;
    this.staleIfError = b.staleIfError;
    this.negativeTtl = negativeTtl;
    this.earlyRefreshBeta = b.earlyRefreshBeta;
    this.refreshAheadFraction = b.refreshAheadFraction;
    this.maxConcurrentLoads = b.maxConcurrentLoads;
    this.maxLoadWait = b.maxLoadWait;
    this.maxKeyLength = b.maxKeyLength;
    this.leaseTtl = b.leaseTtl;
    this.sourcePositionRetention = b.sourcePositionRetention;
    this.l1 = b.l1;
    this.hotKeyShare = b.hotKeyShare;
    this.maxHotKeys = b.maxHotKeys;
    this.keepWarm = b.keepWarm;
    this.keyFormat = keyFormat;
    this.codec = codec;
    this.loader = b.loader;
    this.batchLoader = b.batchLoader;
    this.writer = b.writer;
    this.writePolicy = b.writePolicy;
    this.tags = b.tags;
    this.version = b.version;
    this.bloomExpectedKeys = b.bloomExpectedKeys;
    this.bloomFalsePositiveRate = b.bloomFalsePositiveRate;
    this.bloomExistingKeys = b.bloomExistingKeys;
  }

  /** Starts a spec for a region of plain value types. */
  public static <K, V> Builder<K, V> builder(String name, Class<K> keyType, Class<V> valueType) {
    return new Builder<>(name, keyType, ValueType.of(Objects.requireNonNull(valueType, "valueType")));
  }

  /** Starts a spec for a region of generic value types, e.g. {@code List<Product>}. */
  public static <K, V> Builder<K, V> builder(String name, Class<K> keyType, ValueType<V> valueType) {
    return new Builder<>(name, keyType, valueType);
  }

  /** A builder starting from this spec's settings, for variants of one region. */
  public Builder<K, V> toBuilder() {
    return new Builder<>(this);
  }

  public String name() { return name; }
  public Class<K> keyType() { return keyType; }
  public ValueType<V> valueType() { return valueType; }
  /** L1 entry bound, or 0 when the region is weight-bounded. */
  public long maximumSize() { return maximumSize; }
  /** L1 weight bound, or 0 when the region is size-bounded. */
  public long maximumWeight() { return maximumWeight; }
  public ToIntBiFunction<? super K, ? super V> weigher() { return weigher; }
  public Duration ttl() { return ttl; }
  public double ttlJitter() { return ttlJitter; }
  public Duration staleWhileRevalidate() { return staleWhileRevalidate; }
  public Duration staleIfError() { return staleIfError; }
  public Duration negativeTtl() { return negativeTtl; }
  public double earlyRefreshBeta() { return earlyRefreshBeta; }
  public double refreshAheadFraction() { return refreshAheadFraction; }
  public int maxConcurrentLoads() { return maxConcurrentLoads; }
  public Duration maxLoadWait() { return maxLoadWait; }
  public int maxKeyLength() { return maxKeyLength; }
  /** How long a fill lease in L2 lives: a dead holder blocks others at most this long. */
  public Duration leaseTtl() { return leaseTtl; }
  /** How long the source position of an invalidation is remembered for fills of its keys. */
  public Duration sourcePositionRetention() { return sourcePositionRetention; }
  /** Whether the region keeps entries in this process (L1); false reads L2 every time. */
  public boolean l1() { return l1; }
  /** Share of a window's L1 misses that makes a key hot; 0 when detection is off. */
  public double hotKeyShare() { return hotKeyShare; }
  public int maxHotKeys() { return maxHotKeys; }
  /** How many of the most read keys are reloaded before they expire; 0 when keep-warm is off. */
  public int keepWarm() { return keepWarm; }
  public KeyFormat<K> keyFormat() { return keyFormat; }
  public ValueCodec<V> codec() { return codec; }
  /** The read-through loader, or null for a cache-aside region. */
  public Loader<? super K, ? extends V> loader() { return loader; }
  /** The batch loader, or null ({@code getAll} then calls the loader per key). */
  public BatchLoader<K, V> batchLoader() { return batchLoader; }
  /** The source writer for {@link Region#write}, or null. */
  public Writer<K, V> writer() { return writer; }
  public WritePolicy writePolicy() { return writePolicy; }
  public Function<? super V, ? extends Collection<String>> tags() { return tags; }
  public ToLongFunction<? super V> version() { return version; }
  /** Expected distinct keys of the Bloom filter, or 0 when the region has none. */
  public long bloomExpectedKeys() { return bloomExpectedKeys; }
  public double bloomFalsePositiveRate() { return bloomFalsePositiveRate; }
  public Supplier<? extends Iterable<? extends K>> bloomExistingKeys() { return bloomExistingKeys; }

  @Override
  public String toString() {
    return "RegionSpec{name=" + name + ", ttl=" + ttl + ", jitter=" + ttlJitter
        + ", staleWhileRevalidate=" + staleWhileRevalidate + ", staleIfError=" + staleIfError
        + ", negativeTtl=" + negativeTtl + ", maximumSize=" + maximumSize
        + ", maximumWeight=" + maximumWeight + ", maxConcurrentLoads=" + maxConcurrentLoads
        + ", keepWarm=" + keepWarm + "}";
  }

  /**
   * Builds a {@link RegionSpec}. Methods are named after the option they set; each may be
   * called more than once (the last call wins). Validation happens in {@link #build()}.
   */
  public static final class Builder<K, V> {
    private final String name;
    private final Class<K> keyType;
    private final ValueType<V> valueType;
    private long maximumSize = -1;
    private long maximumWeight = -1;
    private ToIntBiFunction<? super K, ? super V> weigher;
    private Duration ttl;
    private double ttlJitter = DEFAULT_TTL_JITTER;
    private Duration staleWhileRevalidate = Duration.ZERO;
    private Duration staleIfError = Duration.ZERO;
    private Duration negativeTtl;
    private double earlyRefreshBeta = DEFAULT_EARLY_REFRESH_BETA;
    private double refreshAheadFraction;
    private int maxConcurrentLoads = DEFAULT_MAX_CONCURRENT_LOADS;
    private Duration maxLoadWait = DEFAULT_MAX_LOAD_WAIT;
    private int maxKeyLength = DEFAULT_MAX_KEY_LENGTH;
    private Duration leaseTtl = DEFAULT_LEASE_TTL;
    private Duration sourcePositionRetention = DEFAULT_SOURCE_POSITION_RETENTION;
    private boolean l1 = true;
    private double hotKeyShare = DEFAULT_HOT_KEY_SHARE;
    private int maxHotKeys = DEFAULT_MAX_HOT_KEYS;
    private int keepWarm;
    private KeyFormat<K> keyFormat;
    private ValueCodec<V> codec;
    private Loader<? super K, ? extends V> loader;
    private BatchLoader<K, V> batchLoader;
    private Writer<K, V> writer;
    private WritePolicy writePolicy = WritePolicy.INVALIDATE;
    private Function<? super V, ? extends Collection<String>> tags;
    private ToLongFunction<? super V> version;
    private long bloomExpectedKeys;
    private double bloomFalsePositiveRate;
    private Supplier<? extends Iterable<? extends K>> bloomExistingKeys;

    private Builder(String name, Class<K> keyType, ValueType<V> valueType) {
      this.name = name;
      this.keyType = keyType;
      this.valueType = valueType;
    }

    private Builder(RegionSpec<K, V> s) {
      this.name = s.name;
      this.keyType = s.keyType;
      this.valueType = s.valueType;
      this.maximumSize = s.maximumWeight > 0 ? -1 : s.maximumSize;
      this.maximumWeight = s.maximumWeight > 0 ? s.maximumWeight : -1;
      // the derived defaults stay derived: a toBuilder().ttl(...) must re-derive them
      this.weigher = s.weigher;
      this.ttl = s.ttl;
      this.ttlJitter = s.ttlJitter;
      this.staleWhileRevalidate = s.staleWhileRevalidate;
      this.staleIfError = s.staleIfError;
      this.negativeTtl = s.negativeTtl;
      this.earlyRefreshBeta = s.earlyRefreshBeta;
      this.refreshAheadFraction = s.refreshAheadFraction;
      this.maxConcurrentLoads = s.maxConcurrentLoads;
      this.maxLoadWait = s.maxLoadWait;
      this.maxKeyLength = s.maxKeyLength;
      this.leaseTtl = s.leaseTtl;
      this.sourcePositionRetention = s.sourcePositionRetention;
      this.l1 = s.l1;
      this.hotKeyShare = s.hotKeyShare;
      this.maxHotKeys = s.maxHotKeys;
      this.keepWarm = s.keepWarm;
      this.keyFormat = s.keyFormat;
      this.codec = s.codec;
      this.loader = s.loader;
      this.batchLoader = s.batchLoader;
      this.writer = s.writer;
      this.writePolicy = s.writePolicy;
      this.tags = s.tags;
      this.version = s.version;
      this.bloomExpectedKeys = s.bloomExpectedKeys;
      this.bloomFalsePositiveRate = s.bloomFalsePositiveRate;
      this.bloomExistingKeys = s.bloomExistingKeys;
    }

    /** Bounds L1 by entry count (W-TinyLFU eviction). Default 10,000. */
    public Builder<K, V> maximumSize(long maximumSize) {
      this.maximumSize = maximumSize;
      return this;
    }

    /** Bounds L1 by total weight instead of count; requires a {@link #weigher}. */
    public Builder<K, V> maximumWeight(long maximumWeight) {
      this.maximumWeight = maximumWeight;
      return this;
    }

    /** The weight of one entry (e.g. its size in bytes); must be non-negative. */
    public Builder<K, V> weigher(ToIntBiFunction<? super K, ? super V> weigher) {
      this.weigher = Objects.requireNonNull(weigher, "weigher");
      return this;
    }

    /** How long an entry is fresh (required: nothing is cached without an expiry). */
    public Builder<K, V> ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Random spread of each TTL, as a fraction (0.10 = ±10%, the default; 0 disables). */
    public Builder<K, V> ttlJitter(double fraction) {
      this.ttlJitter = fraction;
      return this;
    }

    /** After the TTL, serve the old value this long while one background refresh runs. */
    public Builder<K, V> staleWhileRevalidate(Duration window) {
      this.staleWhileRevalidate = Objects.requireNonNull(window, "staleWhileRevalidate");
      return this;
    }

    /** After the TTL, serve the old value this long when the loader fails. */
    public Builder<K, V> staleIfError(Duration window) {
      this.staleIfError = Objects.requireNonNull(window, "staleIfError");
      return this;
    }

    /** How long a {@code null} load is remembered as absent; {@code ZERO} disables. Default 5 s (at most the TTL). */
    public Builder<K, V> negativeTtl(Duration negativeTtl) {
      this.negativeTtl = Objects.requireNonNull(negativeTtl, "negativeTtl");
      return this;
    }

    /**
     * XFetch's {@code beta} (Vattani et al., PVLDB 2015): reads close to expiry start one
     * early refresh with probability {@code exp(-(expiry - now) / (loadTime * beta))}.
     * Larger is earlier; 0 disables. Default 1.0.
     */
    public Builder<K, V> earlyRefreshBeta(double beta) {
      this.earlyRefreshBeta = beta;
      return this;
    }

    /** Reads in the last {@code fraction} of an entry's TTL start one background refresh; 0 (default) disables. */
    public Builder<K, V> refreshAheadFraction(double fraction) {
      this.refreshAheadFraction = fraction;
      return this;
    }

    /** Bulkhead: loads of this region running at once. Default 32. */
    public Builder<K, V> maxConcurrentLoads(int maxConcurrentLoads) {
      this.maxConcurrentLoads = maxConcurrentLoads;
      return this;
    }

    /** Bulkhead: how long a miss waits for a load slot before it is shed. Default 10 ms. */
    public Builder<K, V> maxLoadWait(Duration maxLoadWait) {
      this.maxLoadWait = Objects.requireNonNull(maxLoadWait, "maxLoadWait");
      return this;
    }

    /** Longest key, in characters of its string form. Default 512. */
    public Builder<K, V> maxKeyLength(int maxKeyLength) {
      this.maxKeyLength = maxKeyLength;
      return this;
    }

    /**
     * How long a fleet-wide fill lease lives in an L2 that supports leases (default 5 s): set it
     * above the loader's worst normal latency; a holder that dies delays others this long.
     */
    public Builder<K, V> leaseTtl(Duration leaseTtl) {
      this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
      return this;
    }

    /**
     * Whether to keep entries in this process's L1 (default true). Off, reads go to L2 (still
     * with single flight and leases), except for hot keys, which are still kept in L1 unless
     * {@code hotKeyShare(0)}: for data that must be shared exactly, or to measure L2.
     */
    public Builder<K, V> l1(boolean enabled) {
      this.l1 = enabled;
      return this;
    }

    /**
     * Hot-key detection: a key whose share of L1 misses reaches {@code share} (default 0.01,
     * i.e. 1% of all misses, far above the mean of a large key space) is hot. Hot keys are never
     * evicted from L1 by size, and are kept in L1 even when {@link #l1(boolean)} is off, so a
     * viral key stops hammering one Redis node. 0 disables detection.
     */
    public Builder<K, V> hotKeyShare(double share) {
      this.hotKeyShare = share;
      return this;
    }

    /** At most this many keys are hot at once (default 16). */
    public Builder<K, V> maxHotKeys(int maxHotKeys) {
      this.maxHotKeys = maxHotKeys;
      return this;
    }

    /**
     * Keep-warm (refresh-ahead of the top keys): the region tracks how often each key is read
     * (a Count-Min sketch of sampled L1 hits and of misses, decaying over about a quarter of the
     * TTL) and reloads its {@code topN} most read keys shortly before their L1 entries expire,
     * so a steady read load on them never sees a miss. A pass runs every ttl/8 (between 100 ms
     * and 1 s) on the hotset's background thread and starts an ordinary background refresh
     * (single flight, bulkhead without waiting, fill leases, invalidation stamps) of every top
     * key whose entry will stop being fresh within two passes (plus its last load time). Keys
     * that leave the top set are no longer reloaded and expire normally; keys that are not in
     * L1 (never read, invalidated, evicted) and negative entries are not loaded by it. Each
     * reload counts in {@code hotset.refreshes} and in {@code hotset.keep.warm.refreshes}.
     * Needs a {@link #loader}. Default 0 (off); at most {@value RegionSpec#MAX_KEEP_WARM}.
     */
    public Builder<K, V> keepWarm(int topN) {
      this.keepWarm = topN;
      return this;
    }

    /** The key's string form; required for key types other than String, Long, Integer, UUID. */
    public Builder<K, V> keyFormat(KeyFormat<K> keyFormat) {
      this.keyFormat = Objects.requireNonNull(keyFormat, "keyFormat");
      return this;
    }

    /** The value codec for byte tiers. Default: UTF-8 for String values, else JSON (Jackson) of the value type. */
    public Builder<K, V> codec(ValueCodec<V> codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * How long the region remembers the source position an invalidation carried
     * ({@link Region#invalidate(Object, long)}) and asks fills of the key for a copy of the source
     * at or past it ({@link Loader#load(Object, long)}). It must exceed the longest a copy that
     * serves fills can lag (a replica router takes replicas lagging past its bound out of rotation);
     * after it, fills may read any copy again. Default {@link #DEFAULT_SOURCE_POSITION_RETENTION}.
     */
    public Builder<K, V> sourcePositionRetention(Duration retention) {
      this.sourcePositionRetention = Objects.requireNonNull(retention, "sourcePositionRetention");
      return this;
    }

    /** The read-through loader used by {@link Region#get(Object)}. */
    public Builder<K, V> loader(Loader<? super K, ? extends V> loader) {
      this.loader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /** The batch loader used by {@link Region#getAll}; without it, misses load one by one. */
    public Builder<K, V> batchLoader(BatchLoader<K, V> batchLoader) {
      this.batchLoader = Objects.requireNonNull(batchLoader, "batchLoader");
      return this;
    }

    /** Writes to the source of truth for {@link Region#write}. */
    public Builder<K, V> writer(Writer<K, V> writer) {
      this.writer = Objects.requireNonNull(writer, "writer");
      return this;
    }

    /** What a write does to the caches. Default {@link WritePolicy#INVALIDATE}. */
    public Builder<K, V> writePolicy(WritePolicy writePolicy) {
      this.writePolicy = Objects.requireNonNull(writePolicy, "writePolicy");
      return this;
    }

    /** The tags of a value (e.g. {@code category:5}), for {@link Region#invalidateTag}. */
    public Builder<K, V> tags(Function<? super V, ? extends Collection<String>> tags) {
      this.tags = Objects.requireNonNull(tags, "tags");
      return this;
    }

    /** The version of a value (e.g. its row version), carried in the envelope. */
    public Builder<K, V> version(ToLongFunction<? super V> version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * A Bloom filter of existing keys consulted before any load: a key it has never seen is
     * answered as absent without touching the source. It is seeded from {@code existingKeys}
     * when the region is created and learns every key that is loaded, put or invalidated.
     */
    public Builder<K, V> bloomFilter(long expectedKeys, double falsePositiveRate,
        Supplier<? extends Iterable<? extends K>> existingKeys) {
      this.bloomExpectedKeys = expectedKeys;
      this.bloomFalsePositiveRate = falsePositiveRate;
      this.bloomExistingKeys = Objects.requireNonNull(existingKeys, "existingKeys");
      return this;
    }

    /**
     * Validates and builds the spec.
     *
     * @throws IllegalArgumentException naming the setting and its value when out of range or
     *     contradictory
     */
    public RegionSpec<K, V> build() {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("region name must match " + NAME.pattern() + ", was '" + name + "'");
      }
      String r = "region '" + name + "': ";
      Objects.requireNonNull(keyType, r + "keyType");
      Objects.requireNonNull(valueType, r + "valueType");
      if (ttl == null) {
        if (staleWhileRevalidate.compareTo(Duration.ZERO) > 0) {
          throw new IllegalArgumentException(r + "staleWhileRevalidate=" + staleWhileRevalidate
              + " needs a ttl: a stale window starts when the TTL ends");
        }
        if (staleIfError.compareTo(Duration.ZERO) > 0) {
          throw new IllegalArgumentException(r + "staleIfError=" + staleIfError
              + " needs a ttl: a stale window starts when the TTL ends");
        }
        throw new IllegalArgumentException(r + "ttl is required (nothing is cached without an expiry)");
      }
      positive(r, "ttl", ttl);
      notNegative(r, "staleWhileRevalidate", staleWhileRevalidate);
      notNegative(r, "staleIfError", staleIfError);
      notNegative(r, "maxLoadWait", maxLoadWait);
      positive(r, "leaseTtl", leaseTtl);
      positive(r, "sourcePositionRetention", sourcePositionRetention);
      if (!(hotKeyShare >= 0 && hotKeyShare <= 1)) {
        throw new IllegalArgumentException(r + "hotKeyShare must be in [0, 1], was " + hotKeyShare);
      }
      if (maxHotKeys < 1 || maxHotKeys > 1024) {
        throw new IllegalArgumentException(r + "maxHotKeys must be in [1, 1024], was " + maxHotKeys);
      }
      if (keepWarm < 0 || keepWarm > MAX_KEEP_WARM) {
        throw new IllegalArgumentException(r + "keepWarm must be in [0, " + MAX_KEEP_WARM + "], was " + keepWarm);
      }
      if (keepWarm > 0 && loader == null) {
        throw new IllegalArgumentException(r + "keepWarm=" + keepWarm
            + " needs a loader(...): the top keys are reloaded in the background");
      }
      if (!(ttlJitter >= 0 && ttlJitter <= 0.5)) {
        throw new IllegalArgumentException(r + "ttlJitter must be in [0, 0.5], was " + ttlJitter);
      }
      Duration negTtl = negativeTtl;
      if (negTtl == null) {
        negTtl = ttl.compareTo(DEFAULT_NEGATIVE_TTL) < 0 ? ttl : DEFAULT_NEGATIVE_TTL;
      }
      notNegative(r, "negativeTtl", negTtl);
      if (negTtl.compareTo(ttl) > 0) {
        throw new IllegalArgumentException(r + "negativeTtl=" + negTtl
            + " is longer than ttl=" + ttl + "; absent keys should be remembered for less time than values");
      }
      if (!(earlyRefreshBeta >= 0 && Double.isFinite(earlyRefreshBeta))) {
        throw new IllegalArgumentException(r + "earlyRefreshBeta must be finite and >= 0, was " + earlyRefreshBeta);
      }
      if (!(refreshAheadFraction >= 0 && refreshAheadFraction < 1)) {
        throw new IllegalArgumentException(r + "refreshAheadFraction must be in [0, 1), was " + refreshAheadFraction);
      }
      if (maxConcurrentLoads < 1) {
        throw new IllegalArgumentException(r + "maxConcurrentLoads must be >= 1, was " + maxConcurrentLoads);
      }
      if (maxKeyLength < 1) {
        throw new IllegalArgumentException(r + "maxKeyLength must be >= 1, was " + maxKeyLength);
      }
      long size = maximumSize;
      if (maximumSize >= 0 && maximumWeight >= 0) {
        throw new IllegalArgumentException(r + "maximumSize=" + maximumSize + " and maximumWeight="
            + maximumWeight + " both set; choose one bound");
      }
      if (maximumWeight >= 0) {
        if (maximumWeight < 1) {
          throw new IllegalArgumentException(r + "maximumWeight must be >= 1, was " + maximumWeight);
        }
        if (weigher == null) {
          throw new IllegalArgumentException(r + "maximumWeight=" + maximumWeight + " needs a weigher");
        }
        size = 0;
      } else {
        if (weigher != null) {
          throw new IllegalArgumentException(r + "a weigher needs maximumWeight (not maximumSize)");
        }
        if (maximumSize < 0) {
          size = DEFAULT_MAXIMUM_SIZE;
        } else if (maximumSize < 1) {
          throw new IllegalArgumentException(r + "maximumSize must be >= 1, was " + maximumSize);
        }
      }
      if (size > 0 && keepWarm > size) {
        throw new IllegalArgumentException(r + "keepWarm=" + keepWarm + " exceeds maximumSize=" + size
            + ": L1 cannot hold every key it keeps warm");
      }
      KeyFormat<K> format = keyFormat;
      if (format == null) {
        format = KeyFormat.standard(keyType);
        if (format == null) {
          throw new IllegalArgumentException(r + "key type " + keyType.getName()
              + " needs a keyFormat(...): keys cross process boundaries as strings");
        }
      }
      if (writePolicy == WritePolicy.WRITE_THROUGH && version == null) {
        throw new IllegalArgumentException(r + "writePolicy=WRITE_THROUGH needs version(...): a cache update "
            + "is only safe when it can tell the newer of two values");
      }
      ValueCodec<V> valueCodec = codec != null ? codec : defaultCodec(valueType);
      if (bloomExistingKeys != null) {
        if (bloomExpectedKeys < 1) {
          throw new IllegalArgumentException(r + "bloom filter expectedKeys must be >= 1, was " + bloomExpectedKeys);
        }
        if (!(bloomFalsePositiveRate > 0 && bloomFalsePositiveRate < 1)) {
          throw new IllegalArgumentException(r + "bloom filter falsePositiveRate must be in (0, 1), was "
              + bloomFalsePositiveRate);
        }
      }
      return new RegionSpec<>(this, size, negTtl, format, valueCodec);
    }

    @SuppressWarnings("unchecked")
    private static <V> ValueCodec<V> defaultCodec(ValueType<V> type) {
      if (type.type() == String.class) {
        return (ValueCodec<V>) io.hotset.internal.Utf8StringCodec.INSTANCE;
      }
      return JsonCodec.of(type);
    }

    private static void positive(String r, String what, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(r + what + " must be positive, was " + d);
      }
    }

    private static void notNegative(String r, String what, Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(r + what + " must not be negative, was " + d);
      }
    }
  }
}
