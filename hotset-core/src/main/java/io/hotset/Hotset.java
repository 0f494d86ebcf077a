package io.hotset;

import io.hotset.internal.DefaultHotset;
import io.hotset.spi.InvalidationTransport;
import io.hotset.spi.Ticker;
import io.hotset.spi.Tier;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

/**
 * The entry point: one per process (or per test "process"), holding the shared parts every
 * region uses (metrics, clock, executor, L2 tier, invalidation transport) and the regions.
 *
 * <pre>{@code
 * Hotset hotset = Hotset.builder().meterRegistry(registry).build();
 * Region<Long, Product> products = hotset.region(
 *     RegionSpec.builder("product", Long.class, Product.class)
 *         .ttl(Duration.ofSeconds(60))
 *         .staleWhileRevalidate(Duration.ofSeconds(30))
 *         .loader(id -> repository.find(id))
 *         .build());
 * Product p = products.get(42L);
 * }</pre>
 */
public interface Hotset extends AutoCloseable {

  /** A builder with defaults: global Micrometer registry, system ticker, a private in-process bus, no L2. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a region.
   *
   * @throws IllegalArgumentException if a region of that name already exists
   */
  <K, V> Region<K, V> region(RegionSpec<K, V> spec);

  /** The region of that name, if any. */
  Optional<Region<?, ?>> region(String name);

  /** All regions. */
  Collection<Region<?, ?>> regions();

  /**
   * Invalidates keys (in their string form) and tags of a named region: for admin tools
   * and change-data-capture that only know strings.
   *
   * @throws IllegalArgumentException for an unknown region or a malformed key
   */
  void invalidate(String region, Collection<String> keys, Collection<String> tags, String source);

  /**
   * Invalidates for a caller that must know the outcome, such as change data capture, which
   * acknowledges a log position only once every tier has been told. As {@link #invalidate},
   * but each step is confirmed: the L2 delete (which revokes fill leases) and the broadcast to
   * the other processes. This process's L1 is cleared whatever happens; the call is idempotent.
   *
   * @param changedAtMillis wall-clock time of the change (e.g. its commit time); the
   *     invalidation lag is measured from it
   * @throws IllegalArgumentException for an unknown region or a malformed key
   * @throws InvalidationFailedException if L2 or the broadcast did not confirm; retry
   */
  void invalidateConfirmed(String region, Collection<String> keys, Collection<String> tags, String source,
      long changedAtMillis);

  /**
   * As {@link #invalidateConfirmed(String, Collection, Collection, String, long)}, for a change at
   * {@code sourcePosition} of the source (e.g. the end of its commit record in PostgreSQL's WAL):
   * every process remembers it for the keys (for tags, for the whole region), and the next fills
   * ask their loader for a copy of the source at or past it ({@link Loader#load(Object, long)}).
   * {@code 0} means unknown.
   *
   * @throws IllegalArgumentException for an unknown region, a malformed key or a negative position
   * @throws InvalidationFailedException if L2 or the broadcast did not confirm; retry
   */
  void invalidateConfirmed(String region, Collection<String> keys, Collection<String> tags, String source,
      long changedAtMillis, long sourcePosition);

  /** This instance's id, carried in its broadcasts. */
  String instanceId();

  /** Stops background work and unsubscribes; regions must not be used afterwards. */
  @Override
  void close();

  /** Builds a {@link Hotset}. Each method sets one option; validation happens in {@link #build()}. */
  final class Builder {
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private Ticker ticker = Ticker.system();
    private DoubleSupplier random;
    private Executor executor;
    private InvalidationTransport invalidationTransport;
    private Tier l2;
    private String instanceId;

    private Builder() {}

    /** Where metrics go. Default: Micrometer's global registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** The time source. Default: the system ticker. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Uniform random numbers in (0, 1] for TTL jitter and early refresh; inject a seeded one
     * for reproducible tests. Default: {@link java.util.concurrent.ThreadLocalRandom}.
     */
    public Builder random(DoubleSupplier random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Runs background refreshes and asynchronous loads. Default: a private daemon pool. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Carries invalidations to other processes. Default: a private in-process bus. */
    public Builder invalidationTransport(InvalidationTransport transport) {
      this.invalidationTransport = Objects.requireNonNull(transport, "invalidationTransport");
      return this;
    }

    /** The shared tier below L1, e.g. Redis from {@code hotset-redis}. Default: none. */
    public Builder l2(Tier tier) {
      this.l2 = Objects.requireNonNull(tier, "l2");
      return this;
    }

    /** This instance's id in broadcasts. Default: random. */
    public Builder instanceId(String instanceId) {
      if (instanceId == null || instanceId.isBlank()) {
        throw new IllegalArgumentException("instanceId must not be blank, was '" + instanceId + "'");
      }
      this.instanceId = instanceId;
      return this;
    }

    public Hotset build() {
      return new DefaultHotset(meterRegistry, ticker, random, executor, invalidationTransport, l2, instanceId);
    }
  }
}
