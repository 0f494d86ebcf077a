package io.hotset.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of the Varnish purger ({@link EdgePurgers#varnish(java.net.URI, VarnishPurgeOptions)}):
 * per-request timeout, retries with exponential backoff, how many keys go into one request, and
 * where the {@code hotset_edge_purges_total{result}} counter goes. {@link Builder#build()} rejects
 * out-of-range values with a message quoting them.
 */
public final class VarnishPurgeOptions {
  /** Default time one purge request may take, connect included: 2 s. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  /** Default attempts per request, the first included: 4. */
  public static final int DEFAULT_MAX_ATTEMPTS = 4;
  /** Default delay before the first retry: 100 ms (doubled for each further retry). */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  /** Default longest delay between retries: 2 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);
  /**
   * Default size limit of the key list in one request: 4096 bytes, well below Varnish's default
   * {@code http_req_hdr_len} of 8 KiB. Longer lists are split into several requests.
   */
  public static final int DEFAULT_MAX_HEADER_BYTES = 4096;

  private static final VarnishPurgeOptions DEFAULTS = builder().build();

  private final Duration requestTimeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final int maxHeaderBytes;
  private final MeterRegistry meterRegistry;

  private VarnishPurgeOptions(Builder b) {
    this.requestTimeout = b.requestTimeout;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.maxHeaderBytes = b.maxHeaderBytes;
    this.meterRegistry = b.meterRegistry;
  }

  /** The defaults, with Micrometer's global registry. */
  public static VarnishPurgeOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from {@code base}. */
  public static Builder from(VarnishPurgeOptions base) {
    return new Builder(base);
  }

  /** Time one request may take, connecting included. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Attempts per request, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Delay before the first retry. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** Longest delay between retries. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Size limit of the key or URL list in one request, in bytes. */
  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  /** Where the purge counter goes. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  @Override
  public String toString() {
    return "VarnishPurgeOptions[requestTimeout=" + requestTimeout + ", maxAttempts=" + maxAttempts
        + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff + ", maxHeaderBytes="
        + maxHeaderBytes + "]";
  }

  /** Builds {@link VarnishPurgeOptions}; one method per option, checked in {@link #build()}. */
  public static final class Builder {
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;

    private Builder() {}

    private Builder(VarnishPurgeOptions base) {
      requestTimeout = base.requestTimeout;
      maxAttempts = base.maxAttempts;
      initialBackoff = base.initialBackoff;
      maxBackoff = base.maxBackoff;
      maxHeaderBytes = base.maxHeaderBytes;
      meterRegistry = base.meterRegistry;
    }

    /** Time one request may take, connecting included (positive). */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
      return this;
    }

    /** Attempts per request, the first included (1 = no retries). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Delay before the first retry (not negative); doubled for each further one, with jitter. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
      return this;
    }

    /** Longest delay between retries (at least {@link #initialBackoff(Duration)}). */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
      return this;
    }

    /** Size limit of the key or URL list in one request, in bytes (at least 256). */
    public Builder maxHeaderBytes(int maxHeaderBytes) {
      this.maxHeaderBytes = maxHeaderBytes;
      return this;
    }

    /** Where the {@code hotset_edge_purges_total{result}} counter goes. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    public VarnishPurgeOptions build() {
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive, was " + requestTimeout);
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
      }
      if (initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff must not be negative, was " + initialBackoff);
      }
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff must be at least initialBackoff (" + initialBackoff
            + "), was " + maxBackoff);
      }
      if (maxHeaderBytes < SurrogateKeys.MAX_KEY_LENGTH) {
        throw new IllegalArgumentException("maxHeaderBytes must be at least " + SurrogateKeys.MAX_KEY_LENGTH
            + " (one key), was " + maxHeaderBytes);
      }
      return new VarnishPurgeOptions(this);
    }
  }
}
