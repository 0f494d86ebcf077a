package io.hotset.internal;

import io.hotset.Hotset;
import io.hotset.LocalInvalidationBus;
import io.hotset.Region;
import io.hotset.RegionSpec;
import io.hotset.spi.Invalidation;
import io.hotset.spi.InvalidationTransport;
import io.hotset.spi.Ticker;
import io.hotset.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/** The {@link Hotset} implementation: owns the regions and routes broadcasts to them. */
public final class DefaultHotset implements Hotset, RegionHost {
  private static final System.Logger LOG = System.getLogger(DefaultHotset.class.getName());

  private final MeterRegistry meterRegistry;
  private final Ticker ticker;
  private final CoarseClock coarseClock;
  private final DoubleSupplier random;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final InvalidationTransport transport;
  private final Tier l2;
  private final String instanceId;
  private final ConcurrentHashMap<String, DefaultRegion<?, ?>> regions = new ConcurrentHashMap<>();
  private final AutoCloseable subscription;
  private final ScheduledExecutorService sweeper;
  /** Whether keep-warm passes run on the sweeper; off only for tests that run them by hand. */
  private final boolean scheduleKeepWarm;
  private volatile boolean closed;

  public DefaultHotset(MeterRegistry meterRegistry, Ticker ticker, DoubleSupplier random, Executor executor,
      InvalidationTransport transport, Tier l2, String instanceId) {
    this(meterRegistry, ticker, random, executor, transport, l2, instanceId, true);
  }

  /**
   * As the public constructor; with {@code scheduleKeepWarm} false, keep-warm passes never run
   * by themselves (tests drive {@link DefaultRegion#keepWarm()} with a fake ticker).
   */
  DefaultHotset(MeterRegistry meterRegistry, Ticker ticker, DoubleSupplier random, Executor executor,
      InvalidationTransport transport, Tier l2, String instanceId, boolean scheduleKeepWarm) {
    this.scheduleKeepWarm = scheduleKeepWarm;
    this.meterRegistry = meterRegistry;
    this.ticker = ticker;
    this.coarseClock = ticker == Ticker.system() ? CoarseClock.acquire() : null;
    this.random = random != null ? random : () -> ThreadLocalRandom.current().nextDouble();
    if (executor != null) {
      this.executor = executor;
      this.ownedExecutor = null;
    } else {
      AtomicInteger n = new AtomicInteger();
      this.ownedExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hotset-loader-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.executor = ownedExecutor;
    }
    this.transport = transport != null ? transport : new LocalInvalidationBus();
    this.l2 = l2;
    this.instanceId = instanceId != null ? instanceId : UUID.randomUUID().toString();
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hotset-sweeper");
      t.setDaemon(true);
      return t;
    });
    this.subscription = this.transport.subscribe(new InvalidationTransport.Listener() {
      @Override
      public void accept(Invalidation inv) {
        onInvalidation(inv);
      }

      @Override
      public void onPossibleLoss() {
        LOG.log(System.Logger.Level.INFO, "invalidation transport may have lost messages; clearing L1");
        for (DefaultRegion<?, ?> region : regions.values()) {
          region.clearLocal();
        }
      }
    });
  }

  private void onInvalidation(Invalidation inv) {
    if (closed || instanceId.equals(inv.origin())) {
      return;
    }
    DefaultRegion<?, ?> region = regions.get(inv.region());
    if (region != null) {
      region.applyRemote(inv);
    }
  }

  @Override
  public <K, V> Region<K, V> region(RegionSpec<K, V> spec) {
    if (closed) {
      throw new IllegalStateException("hotset " + instanceId + " is closed");
    }
    DefaultRegion<K, V> region = new DefaultRegion<>(spec, this);
    if (regions.putIfAbsent(spec.name(), region) != null) {
      throw new IllegalArgumentException("region '" + spec.name() + "' already exists");
    }
    long every = region.sweepInterval().toMillis();
    sweeper.scheduleWithFixedDelay(() -> {
      try {
        region.sweepExpired();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "sweeping region '" + spec.name() + "' failed", e);
      }
    }, every, every, TimeUnit.MILLISECONDS);
    java.time.Duration keepWarm = region.keepWarmInterval();
    if (keepWarm != null && scheduleKeepWarm) {
      long period = keepWarm.toNanos();
      sweeper.scheduleWithFixedDelay(() -> {
        try {
          region.keepWarm();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "keep-warm pass of region '" + spec.name() + "' failed", e);
        }
      }, period, period, TimeUnit.NANOSECONDS);
    }
    return region;
  }

  @Override
  public Optional<Region<?, ?>> region(String name) {
    return Optional.ofNullable(regions.get(name));
  }

  @Override
  public Collection<Region<?, ?>> regions() {
    return List.copyOf(regions.values());
  }

  @Override
  public void invalidate(String regionName, Collection<String> keys, Collection<String> tags, String source) {
    DefaultRegion<?, ?> region = regions.get(regionName);
    if (region == null) {
      throw new IllegalArgumentException("unknown region '" + regionName + "'; known: " + regions.keySet());
    }
    invalidateStrings(region, keys, tags);
  }

  @Override
  public void invalidateConfirmed(String regionName, Collection<String> keys, Collection<String> tags, String source,
      long changedAtMillis) {
    invalidateConfirmed(regionName, keys, tags, source, changedAtMillis, 0L);
  }

  @Override
  public void invalidateConfirmed(String regionName, Collection<String> keys, Collection<String> tags, String source,
      long changedAtMillis, long sourcePosition) {
    DefaultRegion<?, ?> region = regions.get(regionName);
    if (region == null) {
      throw new IllegalArgumentException("unknown region '" + regionName + "'; known: " + regions.keySet());
    }
    Objects.requireNonNull(source, "source");
    if (sourcePosition < 0) {
      throw new IllegalArgumentException("sourcePosition must be >= 0, was " + sourcePosition);
    }
    region.invalidateConfirmed(List.copyOf(keys), List.copyOf(tags), source, changedAtMillis, sourcePosition);
  }

  private <K> void invalidateStrings(DefaultRegion<K, ?> region, Collection<String> keys, Collection<String> tags) {
    List<K> parsed = new ArrayList<>(keys.size());
    for (String ks : keys) {
      parsed.add(region.parseKey(ks));
    }
    if (!parsed.isEmpty()) {
      region.invalidateAll(parsed);
    }
    for (String tag : tags) {
      region.invalidateTag(tag);
    }
  }

  @Override
  public String instanceId() {
    return instanceId;
  }

  @Override
  public void close() {
    closed = true;
    try {
      subscription.close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "unsubscribe failed", e);
    }
    sweeper.shutdownNow();
    if (coarseClock != null) {
      CoarseClock.release(coarseClock);
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
      try {
        ownedExecutor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // RegionHost
  @Override public MeterRegistry meterRegistry() { return meterRegistry; }
  @Override public Ticker ticker() { return ticker; }
  @Override public Ticker hitClock() { return coarseClock != null ? coarseClock : ticker; }
  @Override public DoubleSupplier random() { return random; }
  @Override public Executor executor() { return executor; }
  @Override public Tier l2() { return l2; }

  @Override
  public java.util.concurrent.CompletableFuture<Void> publishConfirmed(Invalidation invalidation) {
    try {
      return transport.publishConfirmed(invalidation);
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void publish(Invalidation invalidation) {
    try {
      transport.publish(invalidation);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "publishing invalidation failed", e);
    }
  }
}
