package io.hotset.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.hotset.redis.internal.RedisConnector;
import io.hotset.spi.InvalidationTransport;
import io.hotset.spi.Tier;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Redis for hotset: the shared L2 tier (with fleet-wide fill leases), the invalidation
 * broadcast that keeps every process's L1 coherent, and write-behind journals, dead-letter
 * streams and counter totals, over one Lettuce client, behind one circuit breaker. Standalone ({@code redis://}, {@code rediss://}), Sentinel
 * ({@code redis-sentinel://}) and Cluster (comma-separated seeds) URLs are accepted.
 *
 * <pre>{@code
 * HotsetRedis redis = HotsetRedis.builder().url("redis://127.0.0.1:6379").keyPrefix("catalog").build();
 * Hotset hotset = Hotset.builder().l2(redis.tier()).invalidationTransport(redis.invalidations()).build();
 * }</pre>
 */
public interface HotsetRedis extends AutoCloseable {

  /** Dead-letter streams hold about this many entries unless told otherwise. */
  long DEFAULT_DEAD_LETTER_MAX_LENGTH = 100_000;

  static Builder builder() {
    return new Builder();
  }

  /** The L2 tier to give {@code Hotset.builder().l2(...)}. */
  Tier tier();

  /** The invalidation transport to give {@code Hotset.builder().invalidationTransport(...)}. */
  InvalidationTransport invalidations();

  /**
   * A durable write-behind journal in a Redis Stream named after {@code name} (one per
   * write-behind buffer and process identity: a restarted process with the same name replays it).
   */
  io.hotset.spi.WriteJournal writeJournal(String name);

  /**
   * A write-behind dead-letter queue in the Redis Stream {@code <keyPrefix>:dlq:<name>}, trimmed
   * to about {@link #DEFAULT_DEAD_LETTER_MAX_LENGTH} entries (oldest dropped first). Several
   * buffers and processes may share one.
   *
   * @throws IllegalArgumentException if {@code name} does not match {@code [A-Za-z0-9._-]{1,64}}
   */
  default DeadLetterStream deadLetterStream(String name) {
    return deadLetterStream(name, DEFAULT_DEAD_LETTER_MAX_LENGTH);
  }

  /**
   * A dead-letter queue as {@link #deadLetterStream(String)}, trimmed to about {@code maxLength}
   * entries ({@code XADD ... MAXLEN ~}: Redis trims whole stream nodes, so it may hold up to
   * about 100 more).
   *
   * @throws IllegalArgumentException for a bad name, or a {@code maxLength} below 1
   */
  DeadLetterStream deadLetterStream(String name, long maxLength);

  /**
   * Running totals of write-behind counters in Redis, shared by the fleet: {@code INCRBY} on
   * {@code <keyPrefix>:ctr:<name>:<key>}, created from the source's value with {@code SET NX} in
   * the same script, so processes seeding one key concurrently never count it twice. Give it to
   * {@code WriteBehindSpec.Builder.totals(...)} and open the spec with {@code Counters.open}.
   *
   * <p>The keys have no TTL: a total evicted or expired while some of its deltas are not yet in
   * the source would be seeded again without them and stay low. If Redis has a memory limit,
   * use a {@code volatile-*} {@code maxmemory-policy} (which evicts only keys with a TTL, i.e.
   * cache entries) or {@code noeviction}, never {@code allkeys-*}.
   *
   * @throws IllegalArgumentException if {@code name} does not match {@code [A-Za-z0-9._-]{1,64}}
   */
  io.hotset.spi.CounterTotals counterTotals(String name);

  /** Connection and breaker state, for health endpoints. */
  Health health();

  @Override
  void close();

  /**
   * Health of the Redis side.
   *
   * @param connected whether the command connection is up
   * @param circuit the breaker state: CLOSED (normal), OPEN (degraded: L1 -> source), HALF_OPEN (probing)
   * @param endpoint host:port of the first endpoint (never credentials)
   */
  record Health(boolean connected, CircuitBreaker.State circuit, String endpoint) {
    /** Ready to serve as L2 (the service is up either way: reads degrade to L1 -> source). */
    public boolean up() {
      return connected && circuit != CircuitBreaker.State.OPEN;
    }
  }

  /** Builds {@link HotsetRedis}. Validation happens in {@link #build()}; errors never print credentials. */
  final class Builder {
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);
    public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;
    public static final String DEFAULT_KEY_PREFIX = "hotset";

    private String url;
    private boolean cluster;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private CircuitBreakerConfig circuitBreaker;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private Path tlsCaCertificate;

    private Builder() {}

    /**
     * Where Redis is: {@code redis://[user:password@]host:port}, {@code rediss://...} (TLS),
     * {@code redis-sentinel://host:port#master}, or comma-separated {@code host:port} or
     * {@code redis://} seeds of a Redis Cluster.
     */
    public Builder url(String url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /** Treat a single seed URL as a Redis Cluster (several seeds always are). */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /** Namespace of every key and channel, e.g. the application name. Default "hotset". */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
      return this;
    }

    /** Per-command timeout while the breaker is closed. Default 250 ms. */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
      return this;
    }

    /** Largest encoded envelope stored in Redis. Default 1 MiB. */
    public Builder maxValueBytes(int maxValueBytes) {
      this.maxValueBytes = maxValueBytes;
      return this;
    }

    /** The breaker's settings. Default: opens at 50% failures or slow calls over 10+ calls, probes after 2 s. */
    public Builder circuitBreaker(CircuitBreakerConfig config) {
      this.circuitBreaker = Objects.requireNonNull(config, "circuitBreaker");
      return this;
    }

    /** Where {@code hotset_circuit_state{tier="l2"}} goes. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** A PEM CA certificate to trust for {@code rediss://} (default: the JVM's trust store). */
    public Builder tlsCaCertificate(Path caPem) {
      this.tlsCaCertificate = Objects.requireNonNull(caPem, "tlsCaCertificate");
      return this;
    }

    /**
     * Connects (lazily reconnecting if Redis is down at start: the breaker opens and reads
     * degrade) and subscribes.
     *
     * @throws IllegalArgumentException for a malformed URL or out-of-range settings
     */
    public HotsetRedis build() {
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException("url is required, e.g. redis://127.0.0.1:6379");
      }
      if (!keyPrefix.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("keyPrefix must match [A-Za-z0-9._-]{1,64}, was '" + keyPrefix + "'");
      }
      if (commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("commandTimeout must be positive, was " + commandTimeout);
      }
      if (maxValueBytes < 64) {
        throw new IllegalArgumentException("maxValueBytes must be >= 64, was " + maxValueBytes);
      }
      CircuitBreakerConfig config = circuitBreaker != null ? circuitBreaker : CircuitBreakerConfig.custom()
          .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
          .slidingWindowSize(20)
          .minimumNumberOfCalls(10)
          .failureRateThreshold(50)
          .slowCallDurationThreshold(commandTimeout)
          .slowCallRateThreshold(80)
          .waitDurationInOpenState(Duration.ofSeconds(2))
          .permittedNumberOfCallsInHalfOpenState(3)
          .automaticTransitionFromOpenToHalfOpenEnabled(true)
          .build();
      return RedisConnector.connect(url, cluster, keyPrefix + ":", commandTimeout, maxValueBytes, config,
          meterRegistry, tlsCaCertificate);
    }
  }
}
