package io.hotset.internal;

import io.hotset.spi.Invalidation;
import io.hotset.spi.Ticker;
import io.hotset.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

/** What a region needs from the {@link DefaultHotset} that owns it. */
interface RegionHost {
  MeterRegistry meterRegistry();

  Ticker ticker();

  /** The clock for freshness checks on L1 hits: the ticker itself, or a coarse version of it. */
  Ticker hitClock();

  DoubleSupplier random();

  Executor executor();

  /** The L2 tier, or null. */
  Tier l2();

  String instanceId();

  void publish(Invalidation invalidation);

  /** Publishes and reports whether the transport accepted it. */
  java.util.concurrent.CompletableFuture<Void> publishConfirmed(Invalidation invalidation);
}
