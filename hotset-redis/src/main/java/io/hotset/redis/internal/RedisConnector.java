package io.hotset.redis.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.hotset.redis.HotsetRedis;
import io.hotset.spi.InvalidationTransport;
import io.hotset.spi.Tier;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Builds the Lettuce clients and wires tier, transport, breaker and reconnect handling. */
public final class RedisConnector implements HotsetRedis {
  private static final System.Logger LOG = System.getLogger(RedisConnector.class.getName());
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final AbstractRedisClient pubsubClient;
  private final StatefulConnection<String, byte[]> connection;
  private final StatefulRedisPubSubConnection<String, byte[]> pubsub;
  private final CircuitBreaker breaker;
  private final RedisTier tier;
  private final RedisInvalidationTransport transport;
  private final FillNotifications notifications = new FillNotifications();
  private GuardedRedis guarded;
  private String prefix;
  private final String endpoint;
  private final String fillsChannel;
  private volatile String pendingProbe;
  private volatile boolean closed;

  private RedisConnector(String url, boolean cluster, String prefix, Duration timeout, int maxValueBytes,
      CircuitBreakerConfig config, MeterRegistry registry, Path caPem) {
    List<RedisURI> uris = parse(url, timeout);
    this.endpoint = uris.get(0).getHost() + ":" + uris.get(0).getPort();
    boolean isCluster = cluster || uris.size() > 1;
    this.resources = DefaultClientResources.create();
    this.fillsChannel = prefix + "fills";
    String invalidationChannel = prefix + "invalidations";
    SslOptions ssl = caPem == null ? null : SslOptions.builder().jdkSslProvider().trustManager(caPem.toFile()).build();
    try {
      RedisClusterAsyncCommands<String, byte[]> commands;
      if (isCluster) {
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enableAllAdaptiveRefreshTriggers()
                .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                .enablePeriodicRefresh(Duration.ofSeconds(5))
                .build())
            .maxRedirects(8);
        common(options, timeout, ssl);
        RedisClusterClient c = RedisClusterClient.create(resources, uris);
        c.setOptions(options.build());
        RedisClusterClient p = RedisClusterClient.create(resources, uris);
        p.setOptions(options.build());
        this.client = c;
        this.pubsubClient = p;
        var conn = c.connect(CODEC);
        this.connection = conn;
        commands = conn.async();
        this.pubsub = p.connectPubSub(CODEC);
      } else {
        ClientOptions.Builder options = ClientOptions.builder();
        common(options, timeout, ssl);
        RedisClient c = RedisClient.create(resources);
        c.setOptions(options.build());
        RedisClient p = RedisClient.create(resources);
        p.setOptions(options.build());
        this.client = c;
        this.pubsubClient = p;
        var conn = c.connect(CODEC, uris.get(0));
        this.connection = conn;
        commands = conn.async();
        this.pubsub = p.connectPubSub(CODEC, uris.get(0));
      }
      this.breaker = CircuitBreaker.of("hotset-l2", config);
      GuardedRedis guarded = new GuardedRedis(commands, breaker);
      this.guarded = guarded;
      this.prefix = prefix;
      this.tier = new RedisTier(guarded, prefix, notifications, maxValueBytes);
      this.transport = new RedisInvalidationTransport(guarded, invalidationChannel);
      pubsub.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, byte[] message) {
          if (channel.equals(invalidationChannel)) {
            transport.onMessage(message);
          } else if (channel.equals(fillsChannel)) {
            onFill(new String(message, StandardCharsets.UTF_8));
          }
        }
      });
      pubsubClient.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
          probeSubscription();
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
          if (!closed) {
            LOG.log(System.Logger.Level.WARNING, "invalidation subscription to " + endpoint
                + " lost; clearing L1 now and again once it is back");
            transport.possibleLoss();
            notifications.signalAll();
          }
        }
      });
      pubsub.sync().subscribe(invalidationChannel, fillsChannel);
      Gauge.builder("hotset.circuit.state", breaker, b -> stateValue(b.getState()))
          .tag("tier", "l2")
          .description("0 closed, 1 open (degraded: L1 -> source), 2 half-open")
          .register(registry);
    } catch (RuntimeException e) {
      shutdown();
      throw new IllegalStateException("cannot connect to Redis at " + endpoint + ": " + e.getMessage(), e);
    }
  }

  /** Connects; see {@link HotsetRedis.Builder#build()}. */
  public static HotsetRedis connect(String url, boolean cluster, String prefix, Duration timeout, int maxValueBytes,
      CircuitBreakerConfig config, MeterRegistry registry, Path caPem) {
    return new RedisConnector(url, cluster, prefix, timeout, maxValueBytes, config, registry, caPem);
  }

  private static void common(ClientOptions.Builder options, Duration timeout, SslOptions ssl) {
    options.autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build());
    if (ssl != null) {
      options.sslOptions(ssl);
    }
  }

  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

  static List<RedisURI> parse(String url, Duration timeout) {
    List<RedisURI> uris = new ArrayList<>();
    for (String part : url.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      if (!p.contains("://")) {
        p = "redis://" + p;
      }
      try {
        RedisURI uri = RedisURI.create(p);
        // The URI's timeout bounds the connection handshake (HELLO/AUTH/SELECT) and sync calls;
        // commands get `timeout` through TimeoutOptions. A loaded machine (or a TLS handshake) can
        // take longer than a command budget of 250 ms to say hello.
        uri.setTimeout(timeout.compareTo(HANDSHAKE_TIMEOUT) < 0 ? HANDSHAKE_TIMEOUT : timeout);
        uris.add(uri);
      } catch (RuntimeException e) {
        // neither the parser's message nor its cause: both quote the URL, password included
        throw new IllegalArgumentException("malformed Redis URL '" + redact(part.trim()) + "'");
      }
    }
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("no Redis endpoint in URL '" + redact(url) + "'");
    }
    return uris;
  }

  /** The URL with any user-info (passwords) masked. */
  static String redact(String url) {
    // per seed, everything up to its last '@' is user-info (passwords may hold '/' or '@')
    StringBuilder out = new StringBuilder();
    for (String part : url.split(",", -1)) {
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(part.replaceAll("//.*@", "//***@"));
    }
    return out.toString();
  }

  /**
   * After every (re)connection of the subscription: publish a probe and clear L1 when it comes
   * back. Its arrival proves the subscription is live again; invalidations published before
   * that may have been missed, and clearing at that moment drops whatever they concerned.
   */
  private void probeSubscription() {
    if (closed) {
      return;
    }
    String probe = "probe:" + UUID.randomUUID();
    pendingProbe = probe;
    sendProbe(probe, 0);
  }

  private void sendProbe(String probe, int attempt) {
    if (closed || !probe.equals(pendingProbe)) {
      return;
    }
    if (attempt > 600) {
      // the probe never came back: clear anyway rather than trust L1 on an unproven subscription
      LOG.log(System.Logger.Level.WARNING, "invalidation subscription probe to " + endpoint
          + " never returned; clearing L1");
      transport.possibleLoss();
      notifications.signalAll();
      return;
    }
    @SuppressWarnings("unchecked")
    var async = (RedisClusterAsyncCommands<String, byte[]>) (connection instanceof io.lettuce.core.api.StatefulRedisConnection<?, ?> s
        ? ((io.lettuce.core.api.StatefulRedisConnection<String, byte[]>) s).async()
        : ((io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, byte[]>) connection).async());
    async.publish(fillsChannel, probe.getBytes(StandardCharsets.UTF_8)).whenComplete((n, e) -> {
      // resend until it is seen: the subscription may not be re-established yet
      resources.eventExecutorGroup().schedule(() -> sendProbe(probe, attempt + 1), 100, TimeUnit.MILLISECONDS);
    });
  }

  private void onFill(String message) {
    if (message.startsWith("probe:")) {
      if (message.equals(pendingProbe)) {
        pendingProbe = null;
        transport.possibleLoss();
        notifications.signalAll();
      }
      return;
    }
    notifications.signal(message);
  }

  private static double stateValue(CircuitBreaker.State s) {
    return switch (s) {
      case CLOSED -> 0;
      case OPEN, FORCED_OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 3;
    };
  }

  @Override
  public Tier tier() {
    return tier;
  }

  @Override
  public InvalidationTransport invalidations() {
    return transport;
  }

  @Override
  public io.hotset.spi.WriteJournal writeJournal(String name) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("journal name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
    }
    return new RedisStreamJournal(guarded, prefix, name);
  }

  @Override
  public io.hotset.redis.DeadLetterStream deadLetterStream(String name, long maxLength) {
    return new RedisDeadLetterStream(guarded, prefix, name, maxLength);
  }

  @Override
  public io.hotset.spi.CounterTotals counterTotals(String name) {
    return new RedisCounterTotals(guarded, prefix, name);
  }

  @Override
  public Health health() {
    return new Health(connection != null && connection.isOpen(), breaker.getState(), endpoint);
  }

  /** The breaker, for tests and health endpoints. */
  public CircuitBreaker breaker() {
    return breaker;
  }

  @Override
  public void close() {
    closed = true;
    shutdown();
  }

  private void shutdown() {
    try {
      if (pubsub != null) {
        pubsub.close();
      }
      if (connection != null) {
        connection.close();
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing Redis connections", e);
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (pubsubClient != null) {
      pubsubClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
