package io.hotset.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import io.hotset.BatchLoader;
import io.hotset.CodecException;
import io.hotset.HotsetException;
import io.hotset.LoadFailedException;
import io.hotset.LoadShedException;
import io.hotset.Loader;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.spi.Invalidation;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.LeaseRead;
import io.hotset.spi.Ticker;
import io.hotset.spi.Tier;
import io.hotset.spi.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

/*
 * The read path and the consistency protocol of one region, in one place.
 *
 * Read (get): L1 envelope fresh -> return it (a read near expiry may start one background
 * refresh: refresh-ahead in the last fraction of the TTL, or XFetch's probabilistic early
 * refresh). Past freshUntil but before staleUntil -> return the stale value and start one
 * background refresh. Otherwise a miss: the first caller registers a future in `inFlight`
 * (single flight) and loads; every concurrent caller of that key waits on the same future
 * and is woken when it completes (no polling). A load reads L2, then passes the bulkhead
 * (a semaphore with a bounded wait) and calls the loader. A full bulkhead serves the stale
 * value if one may be served, or throws LoadShedException with a retry-after hint; a failing
 * loader serves the stale value inside the stale-if-error window, or throws LoadFailedException.
 *
 * Keep-warm and warm-up add no path of their own. Keep-warm (RegionSpec.keepWarm) samples L1
 * hits (1 in 16) and counts misses into a Count-Min sketch (TopKeys); a pass on the hotset's
 * background thread starts an ordinary background refresh of each top key about to stop being
 * fresh. A background refresh takes an L2 copy only if it stays fresh clearly longer than the
 * L1 entry it refreshes (else it would store the very copy this process wrote, refreshing
 * nothing), otherwise it reloads (taking the lease on a leasing tier). Warm-up batches go
 * through the miss path of getAll (single flight, loadBatch); L2-only warm-up is loadBatch's L2
 * half. Both read stamps before any source and fill through fillL1, as below.
 *
 * No stale set (DESIGN promise 1). A value loaded before an invalidation of its key must not
 * be stored after that invalidation returned:
 *  - Keys: before it reads any source, a load reads its key's stamp (InvalidationStamps).
 *    An invalidation bumps the stamp, then removes the L1 entry. The fill is a Caffeine
 *    compute() on the key that stores only if the stamp is unchanged. compute() and the
 *    removal are serialized on the key, and the bump precedes the removal, so a fill either
 *    sees the bump (and skips) or runs before the removal (and is removed).
 *  - Tags: a load cannot know its value's tags before it loads, so it records the tag log's
 *    sequence instead. Inside the fill's compute() it first adds the key to the tag index,
 *    then asks the log whether one of its tags was invalidated since. invalidateTag appends
 *    to the log, then scans the index. Either the fill sees the log entry (and skips), or the
 *    index add preceded the scan and the scan removes the entry after the fill.
 *  - put() bumps the stamp too, so a load that started before a put never overwrites it.
 *  - invalidate() also detaches the key's in-flight load, so callers arriving after the
 *    invalidation start a new load instead of joining one that read old data.
 * An invalidated value is never served as stale: stale candidates are re-read from L1
 * (identity check) at the moment they are served, and invalidation removed them.
 *
 * The tag index is only mutated inside an atomic L1 operation on the key (compute() or
 * Caffeine's eviction listener, which runs inside the eviction's own compute), so it never
 * loses a key that L1 holds.
 */
final class DefaultRegion<K, V> implements Region<K, V> {
  private static final System.Logger LOG = System.getLogger(DefaultRegion.class.getName());
  private static final long L2_TIMEOUT_MILLIS = 250;
  private static final long KEEP_WARM_MIN_PERIOD = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long KEEP_WARM_MAX_PERIOD = TimeUnit.SECONDS.toNanos(1);
  private static final long KEEP_WARM_MAX_AGING = TimeUnit.SECONDS.toNanos(60);

  private final RegionSpec<K, V> spec;
  private final String name;
  private final String r;
  private final Ticker ticker;
  /** Freshness checks of L1 hits only; see CoarseClock. */
  private final Ticker hitClock;
  private final Loader<? super K, ? extends V> loader;
  private final boolean l1Enabled;
  /** L1 is consulted: always when enabled, and for hot keys when disabled. */
  private final boolean l1Lookup;
  private final HotKeys<K> hotKeys;
  /** The most read keys, for keep-warm; null when keep-warm is off. */
  private final TopKeys<K> topKeys;
  private final DoubleSupplier random;
  private final Executor executor;
  private final Tier l2;
  private final RegionHost host;
  private final KeyFormat<K> keyFormat;
  private final ValueCodec<V> codec;
  private final Cache<K, Envelope<V>> l1;
  private final ConcurrentMap<K, Envelope<V>> l1Map;
  private final ConcurrentHashMap<K, CompletableFuture<Envelope<V>>> inFlight = new ConcurrentHashMap<>();
  private final InvalidationStamps stamps = new InvalidationStamps();
  private final TagIndex<K> tagIndex = new TagIndex<>();
  private final TagInvalidationLog tagLog = new TagInvalidationLog();
  /** Source positions of recent invalidations, handed to fills (Loader#load(K, long)). */
  private final SourcePositions positions;
  private final Duration positionRetention;
  private final Semaphore bulkhead;
  private final BloomFilter<CharSequence> bloom;
  private final RegionMetrics metrics;

  private final long ttlNanos;
  private final long swrNanos;
  private final long sieNanos;
  private final long negativeNanos;
  private final long maxLoadWaitNanos;
  private final long leaseTtlNanos;
  private final double jitter;
  private final double beta;
  private final double refreshAheadFraction;
  /** Exponentially weighted mean load time, for the retry-after hint. */
  private volatile long meanLoadNanos;
  /** Keep-warm: time between passes, and how often the read counts halve. */
  private final long keepWarmPeriodNanos;
  private final long keepWarmAgingNanos;
  /** Ticker time of the last halving of the read counts (guarded by keepWarmLock). */
  private long keepWarmAgedAt;
  private final Object keepWarmLock = new Object();
  private final io.micrometer.core.instrument.Counter keepWarmRefreshes;

  DefaultRegion(RegionSpec<K, V> spec, RegionHost host) {
    this.spec = spec;
    this.name = spec.name();
    this.r = "region '" + name + "': ";
    this.host = host;
    this.ticker = host.ticker();
    this.hitClock = host.hitClock();
    this.loader = spec.loader();
    this.l1Enabled = spec.l1();
    this.hotKeys = spec.hotKeyShare() > 0 ? new HotKeys<>(spec.hotKeyShare(), spec.maxHotKeys()) : null;
    this.l1Lookup = l1Enabled || hotKeys != null;
    this.topKeys = spec.keepWarm() > 0 ? new TopKeys<>(spec.keepWarm()) : null;
    this.random = host.random();
    this.executor = host.executor();
    this.l2 = host.l2();
    this.keyFormat = spec.keyFormat();
    this.codec = spec.codec();
    this.metrics = new RegionMetrics(host.meterRegistry(), name);
    this.positions = new SourcePositions(ticker, spec.sourcePositionRetention(), SourcePositions.MAX_KEYS);
    this.positionRetention = spec.sourcePositionRetention();
    this.ttlNanos = spec.ttl().toNanos();
    this.swrNanos = spec.staleWhileRevalidate().toNanos();
    this.sieNanos = spec.staleIfError().toNanos();
    this.negativeNanos = spec.negativeTtl().toNanos();
    this.maxLoadWaitNanos = spec.maxLoadWait().toNanos();
    this.leaseTtlNanos = spec.leaseTtl().toNanos();
    this.jitter = spec.ttlJitter();
    this.beta = spec.earlyRefreshBeta();
    this.refreshAheadFraction = spec.refreshAheadFraction();
    this.bulkhead = new Semaphore(spec.maxConcurrentLoads());
    this.l1 = buildL1(spec, ticker);
    this.l1Map = l1.asMap();
    this.bloom = buildBloom(spec);
    this.keepWarmPeriodNanos = Math.max(KEEP_WARM_MIN_PERIOD, Math.min(ttlNanos / 8, KEEP_WARM_MAX_PERIOD));
    this.keepWarmAgingNanos = Math.max(keepWarmPeriodNanos, Math.min(ttlNanos / 4, KEEP_WARM_MAX_AGING));
    this.keepWarmAgedAt = ticker.read();
    this.keepWarmRefreshes = topKeys == null ? null
        : io.micrometer.core.instrument.Counter.builder("hotset.keep.warm.refreshes").tag("region", name)
            .description("background reloads of top keys started by keep-warm before their expiry")
            .register(host.meterRegistry());
    if (hotKeys != null) {
      io.micrometer.core.instrument.Gauge.builder("hotset.hot.keys", hotKeys, h -> h.hotKeys().size())
          .tag("region", name).description("keys detected as hot (kept in L1)").register(host.meterRegistry());
    }
  }

  private Cache<K, Envelope<V>> buildL1(RegionSpec<K, V> spec, Ticker ticker) {
    // Per-entry deadlines live in the envelope and are checked on every read, so Caffeine gets
    // no time-based expiry at all: its read path then skips its own clock read and timer work
    // (variable expiry measured ~40% slower at two threads in L1HitBenchmark). Entries past
    // their hard deadline are dead (never served) and are removed by sweepExpired(), by a
    // refill, or by size eviction, whichever comes first.
    Caffeine<Object, Object> b = Caffeine.newBuilder();
    // Weight-bounded always (maximumSize n = weight 1 per entry, bound n) so that hot keys can
    // weigh 0: Caffeine never evicts a zero-weight entry by size.
    var weigher = spec.weigher();
    long bound = spec.maximumWeight() > 0 ? spec.maximumWeight() : spec.maximumSize();
    b.maximumWeight(bound).<K, Envelope<V>>weigher((K k, Envelope<V> e) -> {
      if (e.hot) {
        return 0;
      }
      if (e.absent || weigher == null) {
        return 1;
      }
      try {
        return Math.max(0, weigher.applyAsInt(k, e.value));
      } catch (RuntimeException ex) {
        LOG.log(System.Logger.Level.WARNING, r + "weigher failed; weighing the entry as 1", ex);
        return 1;
      }
    });
    return b.<K, Envelope<V>>evictionListener((K k, Envelope<V> e, RemovalCause cause) -> {
      if (k != null && e != null) {
        tagIndex.remove(k, e.tags);
      }
      metrics.evictionsL1.increment();
    }).build();
  }

  private BloomFilter<CharSequence> buildBloom(RegionSpec<K, V> spec) {
    if (spec.bloomExistingKeys() == null) {
      return null;
    }
    BloomFilter<CharSequence> filter = BloomFilter.create(
        Funnels.stringFunnel(StandardCharsets.UTF_8), spec.bloomExpectedKeys(), spec.bloomFalsePositiveRate());
    Iterable<? extends K> keys;
    try {
      keys = spec.bloomExistingKeys().get();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(r + "bloom filter existingKeys supplier failed: " + e, e);
    }
    if (keys != null) {
      for (K key : keys) {
        if (key != null) {
          filter.put(keyFormat.format(key));
        }
      }
    }
    return filter;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public RegionSpec<K, V> spec() {
    return spec;
  }

  // ---------------------------------------------------------------------------------- reads

  @Override
  public V get(K key) {
    return get(key, loader != null ? loader : defaultLoader());
  }

  @Override
  public V get(K key, Loader<? super K, ? extends V> loader) {
    if (key == null) {
      throw nullKey();
    }
    if (loader == null) {
      throw new NullPointerException(r + "loader must not be null");
    }
    Envelope<V> e = l1Lookup ? l1.getIfPresent(key) : null;
    if (e != null) {
      long now = hitClock.read();
      if (now < e.freshUntil) {
        if (now >= e.earlyFrom) {
          maybeRefreshEarly(key, loader, e, now);
        }
        if (e.absent) {
          metrics.l1Negative.increment();
          return null;
        }
        metrics.l1Hit.increment();
        if (e.hot || topKeys != null) {
          sampleHit(key, e.hot);
        }
        return e.value;
      }
      if (!e.absent && now < e.staleUntil) {
        metrics.l1Stale.increment();
        if (topKeys != null) {
          topKeys.record(key, 1);
        }
        refreshInBackground(key, loader);
        return e.value;
      }
    }
    metrics.l1Miss.increment();
    if (hotKeys != null) {
      hotKeys.record(key);
    }
    if (topKeys != null) {
      topKeys.record(key, 1);
    }
    return loadShared(key, loader).value;
  }

  @Override
  public CompletableFuture<V> getAsync(K key) {
    if (key == null) {
      return CompletableFuture.failedFuture(nullKey());
    }
    Loader<? super K, ? extends V> loader;
    try {
      loader = defaultLoader();
    } catch (RuntimeException ex) {
      return CompletableFuture.failedFuture(ex);
    }
    Envelope<V> e = l1Lookup ? l1.getIfPresent(key) : null;
    if (e != null) {
      long now = hitClock.read();
      if (now < e.freshUntil) {
        if (now >= e.earlyFrom) {
          maybeRefreshEarly(key, loader, e, now);
        }
        (e.absent ? metrics.l1Negative : metrics.l1Hit).increment();
        if (topKeys != null && !e.absent) {
          sampleHit(key, false);
        }
        return CompletableFuture.completedFuture(e.value);
      }
      if (!e.absent && now < e.staleUntil) {
        metrics.l1Stale.increment();
        if (topKeys != null) {
          topKeys.record(key, 1);
        }
        refreshInBackground(key, loader);
        return CompletableFuture.completedFuture(e.value);
      }
    }
    metrics.l1Miss.increment();
    if (topKeys != null) {
      topKeys.record(key, 1);
    }
    String ks;
    try {
      ks = keyString(key);
    } catch (RuntimeException ex) {
      return CompletableFuture.failedFuture(ex);
    }
    if (bloomRejects(ks)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Envelope<V>> mine = new CompletableFuture<>();
    CompletableFuture<Envelope<V>> other = inFlight.putIfAbsent(key, mine);
    if (other != null) {
      metrics.coalesced.increment();
      return other.thenApply(env -> env.value);
    }
    try {
      executor.execute(() -> runLoad(key, ks, loader, mine, false));
    } catch (RejectedExecutionException ex) {
      inFlight.remove(key, mine);
      mine.completeExceptionally(new LoadShedException(name, ks, retryAfter(), "executor rejected the load"));
    }
    return mine.thenApply(env -> env.value);
  }

  @Override
  public V getIfPresent(K key) {
    if (key == null) {
      throw nullKey();
    }
    Envelope<V> e = l1Lookup ? l1.getIfPresent(key) : null;
    if (e != null && !e.absent && ticker.read() < e.freshUntil) {
      return e.value;
    }
    return null;
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    if (keys == null) {
      throw new NullPointerException(r + "keys must not be null");
    }
    Map<K, V> result = new LinkedHashMap<>();
    Set<K> misses = new LinkedHashSet<>();
    long now = ticker.read();
    for (K key : keys) {
      if (key == null) {
        throw nullKey();
      }
      Envelope<V> e = l1Lookup ? l1.getIfPresent(key) : null;
      if (e != null && now < e.freshUntil) {
        (e.absent ? metrics.l1Negative : metrics.l1Hit).increment();
        if (!e.absent) {
          result.put(key, e.value);
          if (topKeys != null) {
            sampleHit(key, false);
          }
        }
      } else if (e != null && !e.absent && now < e.staleUntil) {
        metrics.l1Stale.increment();
        result.put(key, e.value);
        if (topKeys != null) {
          topKeys.record(key, 1);
        }
        if (spec.loader() != null) {
          refreshInBackground(key, spec.loader());
        }
      } else {
        metrics.l1Miss.increment();
        if (topKeys != null) {
          topKeys.record(key, 1);
        }
        misses.add(key);
      }
    }
    if (misses.isEmpty()) {
      return result;
    }
    Map<K, String> keyStrings = new HashMap<>();
    // every key is validated before any future is registered: a bad key must not strand the
    // futures of the keys before it in inFlight (their readers would wait forever)
    Map<K, String> candidates = new LinkedHashMap<>();
    for (K key : misses) {
      candidates.put(key, keyString(key));
    }
    Map<K, CompletableFuture<Envelope<V>>> waits = new LinkedHashMap<>();
    Map<K, CompletableFuture<Envelope<V>>> mine = new LinkedHashMap<>();
    for (Map.Entry<K, String> candidate : candidates.entrySet()) {
      K key = candidate.getKey();
      String ks = candidate.getValue();
      if (bloomRejects(ks)) {
        continue;
      }
      keyStrings.put(key, ks);
      CompletableFuture<Envelope<V>> f = new CompletableFuture<>();
      CompletableFuture<Envelope<V>> other = inFlight.putIfAbsent(key, f);
      if (other != null) {
        metrics.coalesced.increment();
        waits.put(key, other);
      } else {
        mine.put(key, f);
      }
    }
    if (!mine.isEmpty()) {
      try {
        Map<K, Envelope<V>> loaded = loadBatch(mine.keySet(), keyStrings);
        for (Map.Entry<K, CompletableFuture<Envelope<V>>> m : mine.entrySet()) {
          m.getValue().complete(loaded.get(m.getKey()));
        }
      } catch (Throwable t) {
        for (CompletableFuture<Envelope<V>> f : mine.values()) {
          f.completeExceptionally(t);
        }
        throw t;
      } finally {
        for (Map.Entry<K, CompletableFuture<Envelope<V>>> m : mine.entrySet()) {
          inFlight.remove(m.getKey(), m.getValue());
        }
      }
      for (Map.Entry<K, CompletableFuture<Envelope<V>>> m : mine.entrySet()) {
        Envelope<V> env = m.getValue().join();
        if (!env.absent) {
          result.put(m.getKey(), env.value);
        }
      }
    }
    for (Map.Entry<K, CompletableFuture<Envelope<V>>> w : waits.entrySet()) {
      Envelope<V> env = await(w.getValue());
      if (!env.absent) {
        result.put(w.getKey(), env.value);
      }
    }
    return result;
  }

  @Override
  public V getStrong(K key) {
    if (key == null) {
      throw nullKey();
    }
    String ks = keyString(key);
    Loader<? super K, ? extends V> loader = defaultLoader();
    metrics.loadStrong.increment();
    try {
      return loader.load(key, Loader.NEWEST);
    } catch (Exception ex) {
      throw new LoadFailedException(name, ks, ex);
    }
  }

  // ---------------------------------------------------------------------------------- writes

  @Override
  public void put(K key, V value) {
    if (key == null) {
      throw nullKey();
    }
    if (value == null) {
      throw new NullPointerException(r + "value must not be null (use invalidate to remove a key)");
    }
    String ks = keyString(key);
    long now = ticker.read();
    Envelope<V> env = envelope(ks, value, now, now, 0);
    byte[] bytes = l2 != null ? encode(ks, env, now) : null;
    if (bytes != null && bytes.length > l2.maxValueBytes()) {
      throw new IllegalArgumentException(r + "value of key '" + ks + "' is " + bytes.length
          + " bytes encoded, larger than the " + l2.name() + " limit of " + l2.maxValueBytes() + " bytes");
    }
    if (bytes != null) {
      // L2 first, awaited: a reader that fetches the old value from L2 before this returns is
      // then stopped by the stamp bump below instead of overwriting the new L1 entry
      long ttl = env.hardUntil - now;
      awaitTier(l2.put(l2Key(ks), bytes, Duration.ofNanos(Math.max(1, ttl)), List.of(env.tags)), "put");
    }
    stamps.bump(key);
    boolean keep = keepsInL1(key);
    l1Map.compute(key, (k, old) -> {
      if (!keep) {
        if (old != null) {
          tagIndex.remove(k, old.tags);
        }
        return null;
      }
      tagIndex.add(k, env.tags);
      if (old != null) {
        tagIndex.removeExcept(k, old.tags, env.tags);
      }
      return env;
    });
    if (bloom != null) {
      bloom.put(ks);
    }
    host.publish(new Invalidation(name, List.of(ks), List.of(), host.instanceId(), "put", ticker.wallMillis()));
  }

  @Override
  public V write(K key, V value) {
    if (key == null) {
      throw nullKey();
    }
    if (value == null) {
      throw new NullPointerException(r + "value must not be null");
    }
    String ks = keyString(key);
    io.hotset.Writer<K, V> writer = spec.writer();
    if (writer == null) {
      throw new IllegalStateException(r + "has no writer; set RegionSpec.writer(...)");
    }
    long stampBefore = stamps.current(key); // any invalidation of the key during the write bumps it
    V stored;
    try {
      stored = writer.write(key, value);
    } catch (Exception e) {
      throw new HotsetException(r + "writer failed for key '" + ks + "': " + e, e);
    }
    if (stored == null) {
      stored = value;
    }
    switch (spec.writePolicy()) {
      case INVALIDATE -> invalidateAll(List.of(key), "write", 0L);
      case WRITE_THROUGH -> storeIfNewer(key, ks, stored, stampBefore);
      default -> throw new IllegalStateException(r + "unknown write policy " + spec.writePolicy());
    }
    return stored;
  }

  /**
   * Write-through after the source accepted the write. L2 arbitrates between processes: it
   * stores the value only over nothing or a lower version (atomically) and revokes the key's
   * lease, since a load in flight may have read the source before this write. L1 takes the
   * value only if L2 accepted it (or there is no L2) and no invalidation of the key arrived
   * while the write ran: another writer's broadcast may have dropped a newer L1 entry, so an
   * empty L1 proves nothing. When in doubt L1 is left empty; the next read loads the truth.
   */
  private void storeIfNewer(K key, String ks, V stored, long stampBefore) {
    long now = ticker.read();
    Envelope<V> env = envelope(ks, stored, now, now, 0);
    byte[] bytes = l2 != null ? encode(ks, env, now) : null;
    if (bytes != null && bytes.length > l2.maxValueBytes()) {
      LOG.log(System.Logger.Level.WARNING, r + "written value of key '" + ks + "' is " + bytes.length
          + " bytes encoded, over the " + l2.name() + " limit; invalidating it there instead");
      bytes = null;
    }
    boolean accepted = true;
    if (l2 != null) {
      Boolean ok = bytes == null ? null
          : awaitTier(l2.putIfNewer(l2Key(ks), bytes, env.version, Duration.ofNanos(Math.max(1, env.hardUntil - now)),
              List.of(env.tags)), "putIfNewer");
      if (ok == null) {
        // L2 failed or the value is too big for it: its copy may be old, so drop it (best effort)
        awaitTier(l2.delete(List.of(l2Key(ks))), "delete");
      }
      accepted = Boolean.TRUE.equals(ok);
    }
    boolean quiet = stamps.unchanged(key, stampBefore);
    stamps.bump(key); // loads in flight may have read the source before this write
    {
      boolean storeL1 = accepted && quiet && keepsInL1(key);
      l1Map.compute(key, (k, old) -> {
        if (!storeL1) {
          if (old != null) {
            tagIndex.remove(k, old.tags);
          }
          return null;
        }
        if (old != null && !old.absent && old.version >= env.version) {
          return old; // a newer (or the same) version is already cached
        }
        tagIndex.add(k, env.tags);
        if (old != null) {
          tagIndex.removeExcept(k, old.tags, env.tags);
        }
        return env;
      });
    }
    if (bloom != null) {
      bloom.put(ks);
    }
    metrics.invalidations("write").increment();
    host.publish(new Invalidation(name, List.of(ks), List.of(), host.instanceId(), "write", ticker.wallMillis()));
  }

  /** Whether L1 keeps this key: always when enabled, else only as a pinned hot key. */
  private boolean keepsInL1(K key) {
    return l1Enabled || (hotKeys != null && hotKeys.isHot(key));
  }

  @Override
  public void invalidate(K key) {
    invalidateAll(List.of(requireKey(key)));
  }

  @Override
  public void invalidate(K key, long sourcePosition) {
    if (sourcePosition < 0) {
      throw new IllegalArgumentException(r + "sourcePosition must be >= 0, was " + sourcePosition);
    }
    invalidateAll(List.of(requireKey(key)), "api", sourcePosition);
  }

  @Override
  public void invalidateAll(Collection<? extends K> keys) {
    invalidateAll(keys, "api", 0L);
  }

  private void invalidateAll(Collection<? extends K> keys, String source, long sourcePosition) {
    List<K> list = new ArrayList<>(keys.size());
    List<String> strings = new ArrayList<>(keys.size());
    for (K key : keys) {
      list.add(requireKey(key));
      strings.add(keyString(key));
    }
    fanOut(list, strings, List.of(), source, ticker.wallMillis(), sourcePosition, false);
  }

  @Override
  public void invalidateTag(String tag) {
    requireTag(tag);
    fanOut(List.of(), List.of(), List.of(tag), "api", ticker.wallMillis(), 0L, false);
  }

  /**
   * Invalidation whose every step is confirmed, for change data capture (see
   * {@link io.hotset.Hotset#invalidateConfirmed}). Parses all keys first, so a malformed one
   * changes nothing; clears L1 (keys and tags), deletes in L2 and publishes, then throws if
   * L2 or the publish failed. Retrying repeats all of it, which is harmless.
   */
  void invalidateConfirmed(List<String> keyStrings, List<String> tags, String source, long changedAtMillis,
      long sourcePosition) {
    List<K> keys = new ArrayList<>(keyStrings.size());
    for (String ks : keyStrings) {
      keys.add(parseKey(ks));
    }
    for (String tag : tags) {
      requireTag(tag);
    }
    fanOut(keys, keyStrings, tags, source, changedAtMillis, sourcePosition, true);
  }

  private void requireTag(String tag) {
    if (tag == null || tag.isEmpty()) {
      throw new IllegalArgumentException(r + "tag must not be null or empty, was '" + tag + "'");
    }
  }

  /**
   * The invalidation core of every entry point: remembers the source position, clears this L1
   * (keys and tags), deletes in L2 (revoking fill leases), clears L1 again, and tells the other
   * processes. A failed L2 step ends the L2 part (L2 is down); L1 is cleared again and the
   * broadcast sent all the same. {@code confirmed}: the broadcast is awaited too, the lag recorded,
   * and a failed L2 step or broadcast thrown as {@link io.hotset.InvalidationFailedException};
   * otherwise L2 failures are counted and the broadcast is best effort.
   */
  private void fanOut(List<K> keys, List<String> keyStrings, List<String> tags, String source, long changedAtMillis,
      long sourcePosition, boolean confirmed) {
    rememberPositions(keyStrings, tags, sourcePosition);
    for (K key : keys) {
      invalidateLocal(key);
    }
    for (String tag : tags) {
      invalidateTagLocal(tag);
    }
    if (bloom != null) {
      for (String ks : keyStrings) {
        bloom.put(ks);
      }
    }
    int count = keys.size() + tags.size();
    metrics.invalidations(source).increment(confirmed ? Math.max(1, count) : count);
    Throwable failure = null;
    if (l2 != null) {
      if (!keyStrings.isEmpty()) {
        List<String> l2Keys = new ArrayList<>(keyStrings.size());
        for (String ks : keyStrings) {
          l2Keys.add(l2Key(ks));
        }
        // with a position, L2 keeps it for the keys: a process that fills them before our broadcast
        // reaches it gets the position with its lease
        failure = awaitL2Step(() -> l2.delete(l2Keys, sourcePosition, positionRetention), "delete");
      }
      for (int i = 0; i < tags.size() && failure == null; i++) { // a failed step ends the L2 part: L2 is down
        String tag = tags.get(i);
        failure = awaitL2Step(() -> l2.deleteTag(name, tag, sourcePosition, positionRetention), "deleteTag");
      }
      // A reader of this process may have fetched the old value from L2 after the first local
      // invalidation and before the delete; its fill passed the stamp check. Invalidate again
      // now that L2 no longer holds it.
      for (K key : keys) {
        invalidateLocal(key);
      }
      for (String tag : tags) {
        invalidateTagLocal(tag);
      }
    }
    Invalidation inv = new Invalidation(name, keyStrings, tags, host.instanceId(), source, changedAtMillis,
        sourcePosition);
    if (!confirmed) {
      host.publish(inv);
      return;
    }
    try {
      host.publishConfirmed(inv).get(L2_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = failure == null ? e : failure;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      failure = failure == null ? (e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e) : failure;
    }
    metrics.recordLag(ticker.wallMillis() - changedAtMillis);
    if (failure != null) {
      throw new io.hotset.InvalidationFailedException(r + "invalidation of " + keyStrings.size() + " key(s) and "
          + tags.size() + " tag(s) was not confirmed (" + failure + "); L1 is cleared, retry for the rest", failure);
    }
  }

  /**
   * Runs and awaits one L2 step of an invalidation (a tier that throws at once counts as failing);
   * returns its failure, counted, or null.
   */
  private Throwable awaitL2Step(java.util.function.Supplier<CompletableFuture<?>> step, String op) {
    try {
      step.get().get(L2_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return null;
    } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
      return tierFailed(e, op);
    }
  }

  /**
   * Counts L1 hits without slowing them down: 1 hit in 16, standing for 16. A pinned hot key
   * keeps being counted so it stays hot while it is; with keep-warm, every key's hits feed the
   * top-keys sketch (a key kept warm never misses, so misses alone would not find it).
   */
  private void sampleHit(K key, boolean hot) {
    if ((java.util.concurrent.ThreadLocalRandom.current().nextInt() & 15) == 0) {
      if (hot) {
        hotKeys.record(key, 16);
      }
      if (topKeys != null) {
        topKeys.record(key, 16);
      }
    }
  }

  @Override
  public Set<K> hotKeys() {
    return hotKeys == null ? Set.of() : Set.copyOf(hotKeys.hotKeys());
  }

  @Override
  public long estimatedSize() {
    return l1.estimatedSize();
  }

  /**
   * Remembers the source position of an invalidation (before its stamps move, so a load that
   * starts after them sees it): per key, and region-wide for tags (their keys are not all known here).
   */
  private void rememberPositions(List<String> keyStrings, List<String> tags, long sourcePosition) {
    if (sourcePosition <= 0) {
      return;
    }
    for (String ks : keyStrings) {
      positions.raise(ks, sourcePosition);
    }
    if (!tags.isEmpty()) {
      positions.raiseAll(sourcePosition);
    }
  }

  /** Applies an invalidation that arrived from another process (or from CDC) to this L1. */
  void applyRemote(Invalidation inv) {
    rememberPositions(inv.keys(), inv.tags(), inv.sourcePosition());
    for (String ks : inv.keys()) {
      K key;
      try {
        key = keyFormat.parse(ks);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, r + "dropping invalidation of unparseable key '" + abbreviate(ks) + "'");
        metrics.tierErrors("bus").increment();
        continue;
      }
      invalidateLocal(key);
      if (bloom != null) {
        bloom.put(ks);
      }
    }
    for (String tag : inv.tags()) {
      invalidateTagLocal(tag);
    }
    metrics.invalidations(inv.source()).increment(Math.max(1, inv.keys().size() + inv.tags().size()));
    metrics.recordLag(ticker.wallMillis() - inv.issuedAtMillis());
  }

  /** Drops everything from this process's L1 (e.g. after the invalidation stream lost messages). */
  void clearLocal() {
    // Loads in flight may have read data a missed invalidation made wrong, for keys L1 does not
    // even hold yet: bump every stamp so none of them fills, and detach them.
    stamps.bumpAll();
    inFlight.clear();
    for (K key : new ArrayList<>(l1Map.keySet())) {
      invalidateLocal(key);
    }
  }

  /**
   * Removes entries past their hard deadline from L1 (they are never served; this frees their
   * slots). Not an invalidation: stamps are untouched, so in-flight loads still fill.
   *
   * @return the number of entries removed
   */
  int sweepExpired() {
    long now = ticker.read();
    int[] removed = {0};
    for (Map.Entry<K, Envelope<V>> e : l1Map.entrySet()) {
      if (now >= e.getValue().hardUntil) {
        l1Map.computeIfPresent(e.getKey(), (k, old) -> {
          if (now < old.hardUntil) {
            return old;
          }
          tagIndex.remove(k, old.tags);
          removed[0]++;
          return null;
        });
      }
    }
    if (removed[0] > 0) {
      metrics.evictionsL1.increment(removed[0]);
    }
    return removed[0];
  }

  /** How often {@link #sweepExpired()} should run: half the TTL, between 1 s and 60 s. */
  Duration sweepInterval() {
    long half = ttlNanos / 2;
    return Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(half, TimeUnit.SECONDS.toNanos(60))));
  }

  // ---------------------------------------------------------------------------------- keep-warm

  /** How often {@link #keepWarm()} should run (ttl/8, between 100 ms and 1 s), or null when keep-warm is off. */
  Duration keepWarmInterval() {
    return topKeys == null ? null : Duration.ofNanos(keepWarmPeriodNanos);
  }

  /**
   * One keep-warm pass: starts a background refresh of every top key whose L1 entry stops being
   * fresh before the pass after next (2 periods, plus the entry's last load time, from now), and
   * halves the read counts once per aging interval (a quarter of the TTL, between one period and
   * 60 s). Refreshes go through {@link #refreshInBackground}: single flight, the bulkhead without
   * waiting, leases and stamps, exactly like a stale-while-revalidate refresh. Only entries L1
   * holds with a value are refreshed: a key that was invalidated or evicted, or is absent, is
   * left to the next read.
   *
   * @return the number of refreshes started
   */
  int keepWarm() {
    if (topKeys == null) {
      return 0;
    }
    Loader<? super K, ? extends V> loader = spec.loader();
    synchronized (keepWarmLock) { // passes are serial; tests may call this beside the scheduled task
      long now = ticker.read();
      List<K> top = topKeys.top();
      int started = 0;
      for (K key : top) {
        Envelope<V> e = l1.policy().getIfPresentQuietly(key);
        if (e == null || e.absent) {
          continue;
        }
        if (e.freshUntil - now < 2 * keepWarmPeriodNanos + e.loadNanos && refreshInBackground(key, loader)) {
          started++;
        }
      }
      if (now - keepWarmAgedAt >= keepWarmAgingNanos) {
        topKeys.age();
        keepWarmAgedAt = now;
      }
      if (started > 0) {
        keepWarmRefreshes.increment(started);
      }
      return started;
    }
  }

  /** The keys keep-warm currently reloads before expiry, most read first (empty when off). */
  List<K> keepWarmKeys() {
    return topKeys == null ? List.of() : topKeys.top();
  }

  // ---------------------------------------------------------------------------------- warm-up

  @Override
  public int warmUp(Collection<? extends K> keys, int perSecond) {
    List<K> list = warmUpKeys(keys, perSecond);
    if (spec.batchLoader() == null) {
      defaultLoader(); // throws: nothing to load with
    }
    return warm(list, perSecond, false);
  }

  @Override
  public int warmUpFromL2(Collection<? extends K> keys, int perSecond) {
    List<K> list = warmUpKeys(keys, perSecond);
    if (l2 == null) {
      throw new IllegalStateException(r + "warmUpFromL2 needs an L2 tier (Hotset.builder().l2(...)); there is none");
    }
    if (!l1Enabled) {
      throw new IllegalStateException(r + "warmUpFromL2 fills L1, but the region keeps no L1 (l1(false))");
    }
    return warm(list, perSecond, true);
  }

  /** Validates warm-up input before any read: the distinct keys, in order. */
  private List<K> warmUpKeys(Collection<? extends K> keys, int perSecond) {
    if (keys == null) {
      throw new NullPointerException(r + "warm-up keys must not be null");
    }
    if (perSecond < 1) {
      throw new IllegalArgumentException(r + "warm-up perSecond must be >= 1, was " + perSecond);
    }
    LinkedHashSet<K> distinct = new LinkedHashSet<>();
    int i = 0;
    for (K key : keys) {
      if (key == null) {
        throw new NullPointerException(r + "warm-up keys contain null (at position " + i + ")");
      }
      keyString(key); // malformed or too long: rejected before any read
      distinct.add(key);
      i++;
    }
    return new ArrayList<>(distinct);
  }

  /**
   * Reads the keys that are not fresh in L1 in batches of a tenth of a second's worth, batch
   * {@code j} starting no earlier than (keys read before it) / perSecond after the start, in
   * real time (the rate protects the source, whatever clock the region's deadlines use).
   */
  private int warm(List<K> keys, int perSecond, boolean l2Only) {
    int batchSize = Math.max(1, Math.min(perSecond / 10, 1_000));
    long nanosPerKey = TimeUnit.SECONDS.toNanos(1) / perSecond;
    long start = System.nanoTime();
    long read = 0;
    int warmed = 0;
    List<K> batch = new ArrayList<>(batchSize);
    for (int i = 0; i < keys.size(); i++) {
      K key = keys.get(i);
      Envelope<V> e = l1.policy().getIfPresentQuietly(key);
      if (e == null || ticker.read() >= e.freshUntil) {
        batch.add(key);
      }
      if (batch.size() == batchSize || (i == keys.size() - 1 && !batch.isEmpty())) {
        if (!pace(start + read * nanosPerKey)) {
          return warmed;
        }
        warmed += l2Only ? warmBatchFromL2(batch) : warmBatch(batch);
        read += batch.size();
        batch.clear();
      }
    }
    pace(start + read * nanosPerKey);
    return warmed;
  }

  /** Sleeps until {@code deadline} (System.nanoTime); false if interrupted (flag kept). */
  private static boolean pace(long deadline) {
    long wait;
    while ((wait = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !Thread.currentThread().isInterrupted();
  }

  /**
   * One warm-up batch through the miss path of {@link #getAll}: single flight (keys already
   * being loaded are left to that load), then {@link #loadBatch} (L2, bulkhead, batch loader,
   * stamps). A failed batch is logged and skipped.
   */
  private int warmBatch(List<K> batch) {
    Map<K, String> keyStrings = new HashMap<>();
    Map<K, CompletableFuture<Envelope<V>>> mine = new LinkedHashMap<>();
    Map<K, Envelope<V>> prior = new HashMap<>();
    for (K key : batch) {
      String ks = keyString(key);
      if (bloomRejects(ks)) {
        continue;
      }
      CompletableFuture<Envelope<V>> f = new CompletableFuture<>();
      if (inFlight.putIfAbsent(key, f) != null) {
        continue; // a read is loading it already
      }
      Envelope<V> p = l1.policy().getIfPresentQuietly(key);
      if (p != null && ticker.read() < p.freshUntil) {
        // a read loaded it between our L1 check and our registration
        inFlight.remove(key, f);
        f.complete(p);
        continue;
      }
      keyStrings.put(key, ks);
      mine.put(key, f);
      if (p != null) {
        prior.put(key, p);
      }
    }
    if (mine.isEmpty()) {
      return 0;
    }
    int warmed = 0;
    try {
      Map<K, Envelope<V>> loaded = loadBatch(mine.keySet(), keyStrings);
      for (Map.Entry<K, CompletableFuture<Envelope<V>>> m : mine.entrySet()) {
        Envelope<V> env = loaded.get(m.getKey());
        m.getValue().complete(env);
        if (env != null && !env.absent && env != prior.get(m.getKey())) {
          warmed++;
        }
      }
    } catch (RuntimeException ex) {
      for (CompletableFuture<Envelope<V>> f : mine.values()) {
        f.completeExceptionally(ex);
      }
      LOG.log(System.Logger.Level.DEBUG, r + "warm-up batch of " + mine.size() + " keys skipped", ex);
    } catch (Error err) {
      for (CompletableFuture<Envelope<V>> f : mine.values()) {
        f.completeExceptionally(err);
      }
      throw err;
    } finally {
      for (Map.Entry<K, CompletableFuture<Envelope<V>>> m : mine.entrySet()) {
        inFlight.remove(m.getKey(), m.getValue());
      }
    }
    return warmed;
  }

  /**
   * One L2-only warm-up batch: the L2 half of {@link #loadBatch} (stamps and tag sequence read
   * before the tier, fills by {@link #fillL1}), with no source load and no single flight (like
   * the plain L2 read of {@link #loadShared}, it needs none).
   */
  private int warmBatchFromL2(List<K> batch) {
    Map<String, K> byL2Key = new HashMap<>();
    Map<K, String> keyStrings = new HashMap<>();
    Map<K, Long> stampOf = new HashMap<>();
    long tagSeq = tagLog.sequence();
    for (K key : batch) {
      String ks = keyString(key);
      keyStrings.put(key, ks);
      stampOf.put(key, stamps.current(key));
      byL2Key.put(l2Key(ks), key);
    }
    Map<String, byte[]> found = awaitTier(l2.getAll(byL2Key.keySet()), "getAll");
    if (found == null) {
      return 0;
    }
    int warmed = 0;
    int hits = 0;
    long now = ticker.read();
    for (Map.Entry<String, byte[]> f : found.entrySet()) {
      K key = byL2Key.get(f.getKey());
      Envelope<V> shared = key == null ? null : decodeL2(keyStrings.get(key), f.getValue());
      if (shared != null && now < shared.freshUntil) {
        hits++;
        (shared.absent ? metrics.l2Negative : metrics.l2Hit).increment();
        if (fillL1(key, shared, stampOf.get(key), tagSeq) && !shared.absent) {
          warmed++;
        }
      }
    }
    metrics.l2Miss.increment(batch.size() - hits);
    return warmed;
  }

  /** Parses a key from its string form, naming the region on failure. */
  K parseKey(String ks) {
    try {
      return keyFormat.parse(ks);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(r + "malformed key '" + abbreviate(ks) + "': " + e.getMessage(), e);
    }
  }

  private void invalidateLocal(K key) {
    stamps.bump(key);
    // compute, not computeIfPresent: Caffeine's computeIfPresent returns at once when it does not
    // see the key, without waiting for a fill whose compute is inserting it right now (and which
    // checked the stamp before our bump). compute takes the key's lock, so it runs after such a
    // fill and removes what it stored. Found by CdcFailoverIT: a reader's L2 fill raced the
    // second local invalidation and the old value stayed in L1 until its TTL.
    l1Map.compute(key, (k, old) -> {
      if (old != null) {
        tagIndex.remove(k, old.tags);
      }
      return null;
    });
    inFlight.remove(key);
  }

  private void invalidateTagLocal(String tag) {
    tagLog.append(tag);
    for (K key : tagIndex.keys(tag)) {
      stamps.bump(key);
      l1Map.compute(key, (k, old) -> { // compute: see invalidateLocal
        if (old == null || !old.hasTag(tag)) {
          return old;
        }
        tagIndex.remove(k, old.tags);
        return null;
      });
    }
  }

  // ---------------------------------------------------------------------------------- loads

  private Envelope<V> loadShared(K key, Loader<? super K, ? extends V> loader) {
    String ks = keyString(key);
    if (bloomRejects(ks)) {
      return absentEnvelope();
    }
    if (l2 != null && l2.supportsLeases()) {
      // An L2 hit needs no single flight: read it before registering (the stamp is read first,
      // so a concurrent invalidation still keeps it out of L1).
      Envelope<V> hit = plainL2Hit(key, ks);
      if (hit != null) {
        return hit;
      }
    }
    CompletableFuture<Envelope<V>> mine = new CompletableFuture<>();
    CompletableFuture<Envelope<V>> other = inFlight.putIfAbsent(key, mine);
    if (other != null) {
      metrics.coalesced.increment();
      return await(other);
    }
    runLoad(key, ks, loader, mine, false);
    return await(mine);
  }

  /** Runs one load as the leader of {@code mine} and completes it; never throws. */
  private void runLoad(K key, String ks, Loader<? super K, ? extends V> loader,
      CompletableFuture<Envelope<V>> mine, boolean background) {
    try {
      Envelope<V> current = l1.policy().getIfPresentQuietly(key);
      if (current != null && ticker.read() < current.freshUntil && !background) {
        // another leader filled it between our L1 read and our registration
        mine.complete(current);
        return;
      }
      mine.complete(load(key, ks, loader, current, background));
    } catch (Throwable t) {
      mine.completeExceptionally(t);
    } finally {
      inFlight.remove(key, mine);
    }
  }

  /**
   * Loads one key: L2, then the bulkhead, then the loader; fills the tiers unless an
   * invalidation intervened. Returns the envelope to hand to every waiter.
   */
  private Envelope<V> load(K key, String ks, Loader<? super K, ? extends V> loader, Envelope<V> prior,
      boolean background) {
    long stamp = stamps.current(key);
    long tagSeq = tagLog.sequence();
    if (l2 != null && l2.supportsLeases()) {
      return loadLeased(key, ks, loader, prior, background, stamp, tagSeq);
    }
    if (l2 != null) {
      Envelope<V> shared = readL2(ks);
      if (shared != null && ticker.read() < shared.freshUntil && (!background || extendsFreshness(shared, prior))) {
        fillL1(key, shared, stamp, tagSeq);
        return shared;
      }
    }
    return loadFromSource(key, ks, loader, prior, background, stamp, tagSeq, NO_LEASE, Loader.ANY_POSITION);
  }

  private static final long NO_LEASE = Long.MIN_VALUE;
  /** Longest wait for another process's fill before asking L2 again. */
  private static final long HELD_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** Keys whose plain L2 read just found undecodable bytes (so the lease path skips them). */
  private final Set<String> knownCorrupt = ConcurrentHashMap.newKeySet();

  /**
   * The fast path of a leasing L2: one plain GET. Returns the envelope on a fresh hit (filling
   * L1), else null; the lease script (a second round trip) is only paid by misses and stale
   * entries.
   */
  private Envelope<V> plainL2Hit(K key, String ks) {
    long stamp = stamps.current(key);
    long tagSeq = tagLog.sequence();
    byte[] plain = awaitTier(l2.get(l2Key(ks)), "get");
    if (plain == null) {
      return null;
    }
    Envelope<V> shared = decodeL2(ks, plain);
    if (shared == null) {
      knownCorrupt.add(ks);
      return null;
    }
    if (ticker.read() < shared.freshUntil) {
      (shared.absent ? metrics.l2Negative : metrics.l2Hit).increment();
      fillL1(key, shared, stamp, tagSeq);
      return shared;
    }
    return null;
  }

  /**
   * The fleet-wide read path (see the class comment): FRESH fills L1; GRANTED loads and fills L2
   * by compare-and-set on the lease; HELD serves a stale value if one may be served, else waits
   * for the holder's fill notification (bounded) and asks again, so a dead holder's lease
   * expires and one waiter takes over.
   */
  private Envelope<V> loadLeased(K key, String ks, Loader<? super K, ? extends V> loader, Envelope<V> prior,
      boolean background, long stamp, long tagSeq) {
    String l2k = l2Key(ks);
    long deadline = ticker.read() + 3 * leaseTtlNanos;
    boolean waited = false;
    boolean leaseReadRetried = false;
    // the plain GET of plainL2Hit found corrupt bytes: take the lease regardless, do not decode again
    boolean ignoreValue = knownCorrupt.remove(ks);
    // A background refresh that found in L2 the very value it is refreshing asks again with this
    // bar (wall ms): L2 then counts as fresh only a value fresher than the refreshed one, so one
    // that another process stored in between is taken, not loaded a second time.
    long freshAfterWall = Long.MIN_VALUE;
    while (true) {
      LeaseRead lease = awaitTier(l2.readOrLease(l2k, Math.max(ticker.wallMillis(), freshAfterWall),
          spec.leaseTtl(), ignoreValue), "readOrLease");
      if (lease == null && !leaseReadRetried) {
        // One more try before degrading: a slow answer (a busy machine, a GC pause) is not an
        // outage, and loading without the lease costs the fleet its single flight. An open
        // breaker fails the retry at once.
        leaseReadRetried = true;
        continue;
      }
      if (lease == null) {
        // L2 unavailable: degrade to L1 -> source through the bulkhead (L1 only: writeL2 never
        // writes a leasing tier without a lease)
        return loadFromSource(key, ks, loader, prior, background, stamp, tagSeq, NO_LEASE, Loader.ANY_POSITION);
      }
      if (lease.outcome() == LeaseRead.Outcome.GRANTED) {
        metrics.l2Miss.increment();
        if (lease.value() != null && !ignoreValue) {
          decodeL2(ks, lease.value()); // stale or corrupt bytes: corrupt ones count as a tier error
        }
        return loadFromSource(key, ks, loader, prior, background, stamp, tagSeq, lease.token(),
            lease.sourcePosition());
      }
      // decoded only where used, and never again once known corrupt (one tier error per bad value)
      Envelope<V> shared = lease.value() == null || ignoreValue ? null : decodeL2(ks, lease.value());
      if (lease.outcome() == LeaseRead.Outcome.FRESH) {
        if (shared == null) {
          ignoreValue = true; // corrupt bytes: a miss plus a tier error, then a clean reload
          continue;
        }
        if (background && freshAfterWall == Long.MIN_VALUE && !extendsFreshness(shared, prior)) {
          // a refresh of what L2 already holds: take the lease and reload, unless another
          // process has meanwhile stored a fresher value (then the next read returns it). Not
          // ignoreValue: between this read and the next, the other process may have reloaded,
          // filled and released its lease, and ignoring its value would load the key twice.
          freshAfterWall = wall(prior.freshUntil + refreshGain(prior), ticker.read(), ticker.wallMillis()) + 2;
          continue;
        }
        (shared.absent ? metrics.l2Negative : metrics.l2Hit).increment();
        fillL1(key, shared, stamp, tagSeq);
        return shared;
      }
      // HELD by another process
      long now = ticker.read();
      if (background && prior != null) {
        return prior; // someone else is refreshing it
      }
      if (servableStale(key, prior, now, true) && now < prior.staleUntil) {
        metrics.l1Stale.increment();
        return prior;
      }
      if (shared != null && !shared.absent && now < shared.staleUntil) {
        metrics.l1Stale.increment();
        return shared;
      }
      if (!waited) {
        metrics.coalesced.increment();
        waited = true;
      }
      long remaining = deadline - now;
      if (remaining <= 0) {
        metrics.loadShed.increment();
        throw new LoadShedException(name, ks, retryAfter(), "another process holds the fill lease and has not filled");
      }
      try {
        // Woken by the fill notification; the bounded slice re-checks L2 in case the notification
        // was lost (pub/sub reconnecting after a Redis restart), which otherwise cost a whole lease TTL.
        lease.filled().get(Math.min(remaining, HELD_RECHECK_NANOS), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // filled without a word reaching us, or the holder is dead (its lease expires after leaseTtl)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HotsetException(r + "interrupted while waiting for another process's load", e);
      } catch (ExecutionException e) {
        // treated like a wake-up: ask again
      }
      ignoreValue = false;
    }
  }

  /** Loads from the source through the bulkhead and fills the tiers; with a lease, L2 by compare-and-set. */
  private Envelope<V> loadFromSource(K key, String ks, Loader<? super K, ? extends V> loader, Envelope<V> prior,
      boolean background, long stamp, long tagSeq, long leaseToken, long l2Position) {
    boolean leased = leaseToken != NO_LEASE;
    if (!acquireLoadSlot(background)) {
      if (leased) {
        releaseLease(ks, leaseToken);
      }
      if (servableStale(key, prior, ticker.read(), true)) {
        metrics.staleServedOnShed.increment();
        return prior;
      }
      metrics.loadShed.increment();
      throw new LoadShedException(name, ks, retryAfter(), "bulkhead full: "
          + spec.maxConcurrentLoads() + " loads in flight");
    }
    long t0 = ticker.read();
    V value;
    try {
      value = loader.load(key, Math.max(positions.floor(ks), l2Position));
    } catch (Exception ex) {
      bulkhead.release();
      if (leased) {
        releaseLease(ks, leaseToken);
      }
      long t1 = ticker.read();
      metrics.recordLoad(t1 - t0);
      metrics.loadError.increment();
      if (servableStale(key, prior, t1, false)) {
        metrics.staleServedOnError.increment();
        LOG.log(System.Logger.Level.DEBUG, r + "loader failed for key '" + ks + "', serving stale", ex);
        return prior;
      }
      throw new LoadFailedException(name, ks, ex);
    } catch (Error err) {
      bulkhead.release();
      if (leased) {
        releaseLease(ks, leaseToken);
      }
      throw err;
    }
    bulkhead.release();
    long t1 = ticker.read();
    long took = t1 - t0;
    metrics.recordLoad(took);
    meanLoadNanos += (took - meanLoadNanos) >> 3;
    (value == null ? metrics.loadAbsent : metrics.loadSuccess).increment();
    Envelope<V> env;
    byte[] bytes;
    boolean cacheable = value != null || negativeNanos > 0;
    try {
      env = envelope(ks, value, t0, t1, took);
      bytes = l2 != null && cacheable ? encode(ks, env, t1) : null;
    } catch (RuntimeException ex) {
      if (leased) {
        releaseLease(ks, leaseToken);
      }
      throw ex instanceof CodecException ? ex : new LoadFailedException(name, ks, ex);
    }
    if (!cacheable) {
      if (leased) {
        releaseLease(ks, leaseToken);
      }
      return env;
    }
    if (bytes != null && bytes.length > l2.maxValueBytes()) {
      LOG.log(System.Logger.Level.WARNING, r + "value of key '" + ks + "' is " + bytes.length
          + " bytes encoded, larger than the " + l2.name() + " limit of " + l2.maxValueBytes() + "; kept in L1 only");
      metrics.tierErrors(l2.name()).increment();
      if (leased) {
        releaseLease(ks, leaseToken);
        leased = false;
      }
      bytes = null;
    }
    if (leased) {
      long ttl = env.hardUntil - t1;
      Boolean filled = ttl <= 0 ? Boolean.FALSE
          : awaitTier(l2.fillWithLease(l2Key(ks), leaseToken, bytes, Duration.ofNanos(ttl), List.of(env.tags)),
              "fillWithLease");
      // false: the lease was revoked by an invalidation since it was granted; the value may be
      // older than that invalidation, so it goes into no tier. null: L2 failed; L1 still
      // guards itself with the stamp.
      if (!Boolean.FALSE.equals(filled)) {
        fillL1(key, env, stamp, tagSeq);
      }
      if (filled == null) {
        // The fill is unconfirmed (timed out, or lost in a reconnect): give the lease back, or every
        // other process's read of the key waits out the lease TTL with nothing to serve (LostFillIT).
        // Safe either way: a late FILL finds no lease of ours and stores nothing; a FILL that landed
        // first has already ended the lease.
        releaseLease(ks, leaseToken);
      }
    } else if (fillL1(key, env, stamp, tagSeq) && bytes != null) {
      writeL2(ks, bytes, env, t1);
    }
    if (!env.absent && bloom != null) {
      bloom.put(ks);
    }
    return env;
  }

  private void releaseLease(String ks, long token) {
    try {
      l2.releaseLease(l2Key(ks), token).whenComplete((v, ex) -> {
        if (ex != null) {
          metrics.tierErrors(l2.name()).increment();
        }
      });
    } catch (RuntimeException ex) {
      metrics.tierErrors(l2.name()).increment();
    }
  }

  private Map<K, Envelope<V>> loadBatch(Set<K> keys, Map<K, String> keyStrings) {
    Map<K, Envelope<V>> out = new HashMap<>();
    Map<K, Long> stampOf = new HashMap<>();
    Map<K, Envelope<V>> prior = new HashMap<>();
    long tagSeq = tagLog.sequence();
    for (K key : keys) {
      stampOf.put(key, stamps.current(key));
      Envelope<V> p = l1.policy().getIfPresentQuietly(key);
      if (p != null) {
        prior.put(key, p);
      }
    }
    Set<K> toLoad = new LinkedHashSet<>(keys);
    if (l2 != null) {
      Map<String, K> byL2Key = new HashMap<>();
      for (K key : keys) {
        byL2Key.put(l2Key(keyStrings.get(key)), key);
      }
      Map<String, byte[]> found = awaitTier(l2.getAll(byL2Key.keySet()), "getAll");
      if (found != null) {
        long now = ticker.read();
        for (Map.Entry<String, byte[]> f : found.entrySet()) {
          K key = byL2Key.get(f.getKey());
          Envelope<V> shared = key == null ? null : decodeL2(keyStrings.get(key), f.getValue());
          if (shared != null && now < shared.freshUntil) {
            (shared.absent ? metrics.l2Negative : metrics.l2Hit).increment();
            fillL1(key, shared, stampOf.get(key), tagSeq);
            out.put(key, shared);
            toLoad.remove(key);
          }
        }
      }
      metrics.l2Miss.increment(toLoad.size());
    }
    if (toLoad.isEmpty()) {
      return out;
    }
    String firstKey = keyStrings.get(toLoad.iterator().next());
    if (!acquireLoadSlot(false)) {
      long now = ticker.read();
      for (K key : toLoad) {
        if (!servableStale(key, prior.get(key), now, true)) {
          metrics.loadShed.increment();
          throw new LoadShedException(name, keyStrings.get(key), retryAfter(), "bulkhead full: "
              + spec.maxConcurrentLoads() + " loads in flight");
        }
        out.put(key, prior.get(key));
      }
      metrics.staleServedOnShed.increment(toLoad.size());
      return out;
    }
    long t0 = ticker.read();
    Map<K, V> values;
    try {
      values = callBatchLoader(toLoad);
    } catch (Exception ex) {
      bulkhead.release();
      metrics.loadError.increment(toLoad.size());
      long now = ticker.read();
      for (K key : toLoad) {
        if (!servableStale(key, prior.get(key), now, false)) {
          throw new LoadFailedException(name, toLoad.size() == 1 ? firstKey
              : firstKey + "' and " + (toLoad.size() - 1) + " more keys of '" + name, ex);
        }
        out.put(key, prior.get(key));
      }
      metrics.staleServedOnError.increment(toLoad.size());
      return out;
    } catch (Error err) {
      bulkhead.release();
      throw err;
    }
    bulkhead.release();
    long t1 = ticker.read();
    long took = t1 - t0;
    metrics.recordLoad(took);
    for (K key : toLoad) {
      String ks = keyStrings.get(key);
      V value = values == null ? null : values.get(key);
      (value == null ? metrics.loadAbsent : metrics.loadSuccess).increment();
      Envelope<V> env;
      try {
        env = envelope(ks, value, t0, t1, took);
      } catch (RuntimeException ex) {
        throw new LoadFailedException(name, ks, ex);
      }
      if (!env.absent || negativeNanos > 0) {
        byte[] bytes = l2 != null ? encode(ks, env, t1) : null;
        if (fillL1(key, env, stampOf.get(key), tagSeq) && bytes != null) {
          writeL2(ks, bytes, env, t1);
        }
      }
      if (!env.absent && bloom != null) {
        bloom.put(ks);
      }
      out.put(key, env);
    }
    return out;
  }

  private Map<K, V> callBatchLoader(Set<K> keys) throws Exception {
    BatchLoader<K, V> batch = spec.batchLoader();
    Map<K, V> values = new HashMap<>();
    Set<K> rest = keys;
    if (batch != null && loader != null) {
      // A batch loader is not told source positions: keys changed at a remembered position load
      // one by one through the loader, which is.
      rest = new java.util.LinkedHashSet<>(keys.size());
      for (K key : keys) {
        long floor = positions.floor(keyString(key));
        if (floor == Loader.ANY_POSITION) {
          rest.add(key);
        } else {
          V v = loader.load(key, floor);
          if (v != null) {
            values.put(key, v);
          }
        }
      }
    }
    if (batch != null) {
      if (!rest.isEmpty()) {
        values.putAll(batch.loadAll(java.util.Collections.unmodifiableSet(rest)));
      }
      return values;
    }
    Loader<? super K, ? extends V> single = defaultLoader();
    for (K key : keys) {
      V v = single.load(key, positions.floor(keyString(key)));
      if (v != null) {
        values.put(key, v);
      }
    }
    return values;
  }

  private boolean acquireLoadSlot(boolean background) {
    if (background || maxLoadWaitNanos == 0) {
      return bulkhead.tryAcquire();
    }
    try {
      return bulkhead.tryAcquire(maxLoadWaitNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Whether {@code prior} may be served in place of a load: it must still be the entry L1
   * holds (an invalidation removes it, and an invalidated value is never served), and be
   * inside its stale window (any window when shedding; stale-if-error on a loader failure).
   */
  private boolean servableStale(K key, Envelope<V> prior, long now, boolean shedding) {
    if (prior == null || prior.absent) {
      return false;
    }
    long until = shedding ? prior.hardUntil : prior.errorUntil;
    if (now >= until) {
      return false;
    }
    return l1.policy().getIfPresentQuietly(key) == prior;
  }

  private void maybeRefreshEarly(K key, Loader<? super K, ? extends V> loader, Envelope<V> e, long now) {
    if (inFlight.containsKey(key)) {
      return;
    }
    if (now >= e.refreshAheadAt || Freshness.xfetch(now, e.freshUntil, e.loadNanos, beta, uniform())) {
      refreshInBackground(key, loader);
    }
  }

  /**
   * Starts one background refresh of the key unless a load of it is already in flight.
   *
   * @return whether this call started one
   */
  private boolean refreshInBackground(K key, Loader<? super K, ? extends V> loader) {
    if (inFlight.containsKey(key)) {
      return false;
    }
    CompletableFuture<Envelope<V>> mine = new CompletableFuture<>();
    if (inFlight.putIfAbsent(key, mine) != null) {
      return false;
    }
    metrics.refreshes.increment();
    try {
      String ks = keyString(key);
      executor.execute(() -> runLoad(key, ks, loader, mine, true));
      return true;
    } catch (RuntimeException ex) {
      inFlight.remove(key, mine);
      mine.completeExceptionally(ex);
      LOG.log(System.Logger.Level.DEBUG, r + "background refresh not started", ex);
      return false;
    }
  }

  /**
   * Whether a fresh L2 copy found by a background refresh is worth taking instead of reloading:
   * it must stay fresh clearly longer than the L1 entry being refreshed. The copy this process
   * wrote itself (same deadline, give or take the millisecond rounding of the wire format) is
   * not: filling L1 with it would refresh nothing, and the key would still expire on schedule.
   */
  private boolean extendsFreshness(Envelope<V> shared, Envelope<V> prior) {
    if (prior == null) {
      return true;
    }
    return shared.freshUntil - prior.freshUntil > refreshGain(prior);
  }

  /** How much longer than {@code prior} a copy must stay fresh to be worth taking instead of reloading. */
  private static long refreshGain(Envelope<?> prior) {
    long ttl = Math.max(0, prior.freshUntil - prior.loadedAt);
    return Math.max(MIN_REFRESH_GAIN, ttl / 16);
  }

  private static final long MIN_REFRESH_GAIN = TimeUnit.MILLISECONDS.toNanos(10);

  /** Stores the envelope in L1 unless the key (or one of its tags) was invalidated since the load began. */
  private boolean fillL1(K key, Envelope<V> env, long stamp, long tagSeq) {
    if (!l1Enabled && (hotKeys == null || !hotKeys.isHot(key))) {
      return stamps.unchanged(key, stamp) && !tagLog.invalidatedSince(tagSeq, env.tags);
    }
    boolean[] stored = {false};
    Envelope<V> toStore = hotKeys != null && !env.absent && hotKeys.isHot(key) ? env.asHot() : env;
    l1Map.compute(key, (k, old) -> {
      tagIndex.add(k, env.tags);
      if (!stamps.unchanged(k, stamp) || tagLog.invalidatedSince(tagSeq, env.tags)) {
        tagIndex.removeExcept(k, env.tags, old == null ? Envelope.NO_TAGS : old.tags);
        return old;
      }
      if (old != null) {
        tagIndex.removeExcept(k, old.tags, env.tags);
      }
      stored[0] = true;
      return toStore;
    });
    return stored[0];
  }

  private Envelope<V> envelope(String ks, V value, long t0, long t1, long loadNanos) {
    if (value == null) {
      return new Envelope<>(null, true, 0, loadNanos, t1, t1 + negativeNanos, t1 + negativeNanos,
          t1 + negativeNanos, Long.MAX_VALUE, Long.MAX_VALUE, Envelope.NO_TAGS);
    }
    String[] tags = tagsOf(ks, value);
    long version = spec.version() == null ? 0 : spec.version().applyAsLong(value);
    long ttl = Freshness.jittered(ttlNanos, jitter, uniform0());
    long fresh = t1 + ttl;
    long aheadAt = Freshness.refreshAheadAt(t1, fresh, refreshAheadFraction);
    long early = Math.min(aheadAt, Freshness.xfetchFrom(fresh, loadNanos, beta));
    return new Envelope<>(value, false, version, loadNanos, t1, fresh, fresh + swrNanos, fresh + sieNanos,
        early, aheadAt, tags);
  }

  private String[] tagsOf(String ks, V value) {
    if (spec.tags() == null) {
      return Envelope.NO_TAGS;
    }
    Collection<String> tags = spec.tags().apply(value);
    if (tags == null || tags.isEmpty()) {
      return Envelope.NO_TAGS;
    }
    String[] out = new String[tags.size()];
    int i = 0;
    for (String t : tags) {
      if (t == null || t.isEmpty()) {
        throw new IllegalArgumentException(r + "tags of key '" + ks + "' contain a null or empty tag: " + tags);
      }
      out[i++] = t;
    }
    return out;
  }

  // ---------------------------------------------------------------------------------- L2

  private String l2Key(String ks) {
    return name + ":" + ks;
  }

  private Envelope<V> readL2(String ks) {
    byte[] bytes = awaitTier(l2.get(l2Key(ks)), "get");
    if (bytes == null) {
      metrics.l2Miss.increment();
      return null;
    }
    Envelope<V> env = decodeL2(ks, bytes);
    if (env == null) {
      metrics.l2Miss.increment();
      return null;
    }
    (env.absent ? metrics.l2Negative : metrics.l2Hit).increment();
    return env;
  }

  /** Decodes L2 bytes; corrupt bytes are a miss plus a tier error, never an exception. */
  private Envelope<V> decodeL2(String ks, byte[] bytes) {
    try {
      EnvelopeFormat.Wire w = EnvelopeFormat.decode(bytes);
      V value = w.absent() ? null : codec.decode(w.value(), w.valueOffset(), w.valueLength());
      if (!w.absent() && value == null) {
        throw new IllegalArgumentException("codec decoded null");
      }
      long nowTick = ticker.read();
      long nowWall = ticker.wallMillis();
      long fresh = tick(w.freshUntil(), nowTick, nowWall);
      long loadedAt = tick(w.loadedAt(), nowTick, nowWall);
      long aheadAt = w.absent() ? Long.MAX_VALUE : Freshness.refreshAheadAt(loadedAt, fresh, refreshAheadFraction);
      long early = w.absent() ? Long.MAX_VALUE : Math.min(aheadAt, Freshness.xfetchFrom(fresh, w.loadNanos(), beta));
      return new Envelope<>(value, w.absent(), w.version(), w.loadNanos(), loadedAt, fresh,
          tick(w.staleUntil(), nowTick, nowWall), tick(w.errorUntil(), nowTick, nowWall), early, aheadAt, w.tags());
    } catch (Exception e) {
      metrics.tierErrors(l2.name()).increment();
      LOG.log(System.Logger.Level.WARNING, r + "undecodable bytes in " + l2.name() + " under key '"
          + abbreviate(ks) + "' (" + e + "); treating as a miss");
      return null;
    }
  }

  private byte[] encode(String ks, Envelope<V> env, long nowTick) {
    byte[] value;
    try {
      value = env.absent ? new byte[0] : codec.encode(env.value);
      if (value == null) {
        throw new IllegalStateException("codec returned null");
      }
    } catch (Exception e) {
      throw new CodecException(r + "cannot encode value of key '" + ks + "' ("
          + env.value.getClass().getName() + "): " + e, e);
    }
    long nowWall = ticker.wallMillis();
    return EnvelopeFormat.encode(new EnvelopeFormat.Wire(env.absent, env.version, env.loadNanos,
        wall(env.loadedAt, nowTick, nowWall), wall(env.freshUntil, nowTick, nowWall),
        wall(env.staleUntil, nowTick, nowWall), wall(env.errorUntil, nowTick, nowWall), env.tags, value));
  }

  private void writeL2(String ks, byte[] bytes, Envelope<V> env, long nowTick) {
    long ttl = env.hardUntil - nowTick;
    if (ttl <= 0 || l2.supportsLeases()) {
      // With a leasing L2 the lease is the only licence to fill: a fill without one (batch loads,
      // warm-up, the degraded path) could store a value an invalidation in another process has
      // already deleted, and would revoke a holder's lease. Those fills stay in L1.
      return;
    }
    try {
      l2.put(l2Key(ks), bytes, Duration.ofNanos(ttl), List.of(env.tags)).whenComplete((v, ex) -> {
        if (ex != null) {
          metrics.tierErrors(l2.name()).increment();
        }
      });
    } catch (RuntimeException ex) {
      metrics.tierErrors(l2.name()).increment();
    }
  }

  private <T> T awaitTier(CompletableFuture<T> f, String op) {
    try {
      return f.get(L2_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
      tierFailed(e, op);
      return null;
    }
  }

  /** Counts a failed L2 call (keeping an interrupt) and returns its cause. */
  private Throwable tierFailed(Exception e, String op) {
    metrics.tierErrors(l2.name()).increment();
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return e;
    }
    LOG.log(System.Logger.Level.DEBUG, r + l2.name() + " " + op + " failed", e);
    return e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
  }

  private static long tick(long wallMillis, long nowTick, long nowWall) {
    return nowTick + (wallMillis - nowWall) * 1_000_000L;
  }

  private static long wall(long tick, long nowTick, long nowWall) {
    return nowWall + Math.floorDiv(tick - nowTick, 1_000_000L);
  }

  // ---------------------------------------------------------------------------------- helpers

  private Envelope<V> await(CompletableFuture<Envelope<V>> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HotsetException(r + "interrupted while waiting for a load", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new HotsetException(r + "load failed: " + cause, cause);
    }
  }

  @SuppressWarnings("unchecked")
  private Envelope<V> absentEnvelope() {
    metrics.loadRejectedByBloom.increment();
    return (Envelope<V>) BLOOM_ABSENT;
  }

  private static final Envelope<Object> BLOOM_ABSENT = new Envelope<>(null, true, 0, 0, 0, 0, 0, 0,
      Long.MAX_VALUE, Long.MAX_VALUE, Envelope.NO_TAGS);

  private boolean bloomRejects(String ks) {
    if (bloom != null && !bloom.mightContain(ks)) {
      metrics.loadRejectedByBloom.increment();
      return true;
    }
    return false;
  }

  private Loader<? super K, ? extends V> defaultLoader() {
    Loader<? super K, ? extends V> loader = spec.loader();
    if (loader == null) {
      throw new IllegalStateException(r + "has no loader; use get(key, loader) or set RegionSpec.loader(...)");
    }
    return loader;
  }

  private K requireKey(K key) {
    if (key == null) {
      throw nullKey();
    }
    return key;
  }

  private NullPointerException nullKey() {
    return new NullPointerException(r + "key must not be null");
  }

  /** The key's string form, validated against the region's key length limit. */
  String keyString(K key) {
    String ks;
    try {
      ks = keyFormat.format(key);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(r + "keyFormat failed for key '" + abbreviate(String.valueOf(key))
          + "': " + e, e);
    }
    if (ks == null || ks.isEmpty()) {
      throw new IllegalArgumentException(r + "keyFormat gave an empty string for key '"
          + abbreviate(String.valueOf(key)) + "'");
    }
    if (ks.length() > spec.maxKeyLength()) {
      throw new IllegalArgumentException(r + "key of " + ks.length() + " characters exceeds maxKeyLength="
          + spec.maxKeyLength() + ": '" + abbreviate(ks) + "'");
    }
    return ks;
  }

  private Duration retryAfter() {
    long hint = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(2 * meanLoadNanos, TimeUnit.SECONDS.toNanos(30)));
    return Duration.ofNanos(hint);
  }

  /** Uniform in (0, 1], for XFetch's logarithm. */
  private double uniform() {
    double u = random.getAsDouble();
    return u <= 0 ? Double.MIN_VALUE : Math.min(u, 1.0);
  }

  /** Uniform in [0, 1), for jitter. */
  private double uniform0() {
    double u = random.getAsDouble();
    return u >= 1 ? Math.nextDown(1.0) : Math.max(0, u);
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  int tagIndexSize() {
    return tagIndex.tagCount();
  }

  boolean loadInFlight(K key) {
    return inFlight.containsKey(key);
  }
}
