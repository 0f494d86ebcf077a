package io.hotset;

import io.hotset.internal.FileDeadLetters;
import io.hotset.internal.FileWriteJournal;
import io.hotset.spi.CounterTotals;
import io.hotset.spi.DeadLetterSink;
import io.hotset.spi.KeyFormat;
import io.hotset.spi.ValueCodec;
import io.hotset.spi.WriteBehindSink;
import io.hotset.spi.WriteJournal;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BinaryOperator;

/**
 * The immutable description of a write-behind buffer: its journal, its sink, how writes to
 * one key merge, and its flush and backpressure bounds. Built with {@link #builder} or
 * {@link #counters}; {@link Builder#build()} rejects bad values quoting them.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class WriteBehindSpec<K, V> {
  /** What a local journal file's acknowledgement survives. */
  public enum Durability {
    /** fsync before acknowledging (group-committed): survives a machine crash. */
    MACHINE_CRASH,
    /** acknowledged once the OS holds it: survives kill -9 of the process, not a machine crash. */
    PROCESS_CRASH
  }

  /** What a full buffer does to a new write. */
  public enum FullPolicy {
    /** Wait up to {@code maxBlock} for room, then throw {@link WriteBehindFullException}. */
    BLOCK,
    /** Throw {@link WriteBehindFullException} at once. */
    REJECT
  }

  final String name;
  final String journalId;
  final KeyFormat<K> keyFormat;
  final ValueCodec<V> codec;
  final BinaryOperator<V> merge;
  final WriteBehindSink<K, V> sink;
  final WriteJournal journal;
  final Path deadLetterFile;
  final DeadLetterSink deadLetters;
  final boolean counters;
  final CounterTotals totals;
  final CounterSeed<? super K> seed;
  final Region<K, V> region;
  final Duration flushInterval;
  final int maxBatch;
  final int maxPending;
  final FullPolicy fullPolicy;
  final Duration maxBlock;
  final Duration retryBackoff;
  final Duration maxRetryBackoff;
  final Duration shutdownTimeout;
  final MeterRegistry meterRegistry;

  private WriteBehindSpec(Builder<K, V> b, WriteJournal journal) {
    this.name = b.name;
    this.journalId = b.journalId != null ? b.journalId : b.name;
    this.keyFormat = b.keyFormat;
    this.codec = b.codec;
    this.merge = b.merge;
    this.sink = b.sink;
    this.journal = journal;
    this.deadLetterFile = b.deadLetterFile;
    this.deadLetters = b.deadLetterFile != null ? new FileDeadLetters(b.deadLetterFile) : b.deadLetters;
    this.counters = b.counters;
    this.totals = b.totals;
    this.seed = b.seed;
    this.region = b.region;
    this.flushInterval = b.flushInterval;
    this.maxBatch = b.maxBatch;
    this.maxPending = b.maxPending;
    this.fullPolicy = b.fullPolicy;
    this.maxBlock = b.maxBlock;
    this.retryBackoff = b.retryBackoff;
    this.maxRetryBackoff = b.maxRetryBackoff;
    this.shutdownTimeout = b.shutdownTimeout;
    this.meterRegistry = b.meterRegistry;
  }

  /** A buffer of values: the last write of a key wins. */
  public static <K, V> Builder<K, V> builder(String name, KeyFormat<K> keyFormat, ValueCodec<V> codec) {
    return new Builder<>(name, keyFormat, codec, (older, newer) -> newer, false);
  }

  /**
   * A buffer of counters: writes are deltas and sum up per key (views, likes). Open it with
   * {@link Counters#open} (running totals; needs {@link Builder#seed}) or {@link WriteBehind#open}
   * (deltas only).
   */
  public static <K> Builder<K, Long> counters(String name, KeyFormat<K> keyFormat) {
    return new Builder<>(name, keyFormat, LongCodec.INSTANCE, Long::sum, true);
  }

  public String name() {
    return name;
  }

  /** The id of this buffer's journal and of its checkpoint in the sink (default: the name). */
  public String journalId() {
    return journalId;
  }

  // the internal implementation reads the fields directly
  public KeyFormat<K> keyFormat() { return keyFormat; }
  public ValueCodec<V> codec() { return codec; }
  public BinaryOperator<V> merge() { return merge; }
  public WriteBehindSink<K, V> sink() { return sink; }
  public WriteJournal journal() { return journal; }
  public Path deadLetterFile() { return deadLetterFile; }
  /** Where poison records go, or null (logged and counted only); a file sink for {@link #deadLetterFile()}. */
  public DeadLetterSink deadLetters() { return deadLetters; }
  /** Whether this is a buffer of counters ({@link #counters}). */
  public boolean isCounters() { return counters; }
  /** Where counters keep running totals, or null: in the process that opens them. */
  public CounterTotals totals() { return totals; }
  /** How counters read the source's value of a key, or null. */
  public CounterSeed<? super K> seed() { return seed; }
  public Region<K, V> region() { return region; }
  public Duration flushInterval() { return flushInterval; }
  public int maxBatch() { return maxBatch; }
  public int maxPending() { return maxPending; }
  public FullPolicy fullPolicy() { return fullPolicy; }
  public Duration maxBlock() { return maxBlock; }
  public Duration retryBackoff() { return retryBackoff; }
  public Duration maxRetryBackoff() { return maxRetryBackoff; }
  public Duration shutdownTimeout() { return shutdownTimeout; }
  public MeterRegistry meterRegistry() { return meterRegistry; }

  /** Builds a {@link WriteBehindSpec}. */
  public static final class Builder<K, V> {
    private final String name;
    private final KeyFormat<K> keyFormat;
    private final ValueCodec<V> codec;
    private final BinaryOperator<V> merge;
    private final boolean counters;
    private String journalId;
    private WriteBehindSink<K, V> sink;
    private WriteJournal journal;
    private Path journalDirectory;
    private Durability durability = Durability.MACHINE_CRASH;
    private Path deadLetterFile;
    private DeadLetterSink deadLetters;
    private CounterTotals totals;
    private CounterSeed<? super K> seed;
    private Region<K, V> region;
    private Duration flushInterval = Duration.ofSeconds(1);
    private int maxBatch = 1_000;
    private int maxPending = 100_000;
    private FullPolicy fullPolicy = FullPolicy.BLOCK;
    private Duration maxBlock = Duration.ofMillis(100);
    private Duration retryBackoff = Duration.ofMillis(100);
    private Duration maxRetryBackoff = Duration.ofSeconds(10);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private MeterRegistry meterRegistry = Metrics.globalRegistry;

    private Builder(String name, KeyFormat<K> keyFormat, ValueCodec<V> codec, BinaryOperator<V> merge,
        boolean counters) {
      this.name = name;
      this.keyFormat = Objects.requireNonNull(keyFormat, "keyFormat");
      this.codec = Objects.requireNonNull(codec, "codec");
      this.merge = merge;
      this.counters = counters;
    }

    /**
     * The id of the journal and of its checkpoint row in the sink (default: the name). With a
     * local journal per process, every process needs its own id (e.g. name + host): two
     * processes sharing one checkpoint would skip or repeat each other's writes.
     */
    public Builder<K, V> journalId(String journalId) {
      this.journalId = Objects.requireNonNull(journalId, "journalId");
      return this;
    }

    /** Where merged batches go (required). */
    public Builder<K, V> sink(WriteBehindSink<K, V> sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** The durable journal, e.g. Redis Streams from hotset-redis. */
    public Builder<K, V> journal(WriteJournal journal) {
      this.journal = Objects.requireNonNull(journal, "journal");
      return this;
    }

    /** A local append-only journal file {@code <name>.journal} in this directory (when running without Redis). */
    public Builder<K, V> journalDirectory(Path directory) {
      this.journalDirectory = Objects.requireNonNull(directory, "journalDirectory");
      return this;
    }

    /** What the local journal's acknowledgement survives. Default {@link Durability#MACHINE_CRASH} (fsync). */
    public Builder<K, V> journalDurability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "journalDurability");
      return this;
    }

    /**
     * A local file where records the sink rejects as poison are appended, one line each:
     * sequence, key, value and reason, tab-separated. Default: none (logged and counted only).
     */
    public Builder<K, V> deadLetterFile(Path file) {
      this.deadLetterFile = Objects.requireNonNull(file, "deadLetterFile");
      return this;
    }

    /**
     * Where records the sink rejects as poison are stored, e.g. a Redis Stream
     * ({@code HotsetRedis.deadLetterStream(name)}). Default: none (logged and counted only).
     */
    public Builder<K, V> deadLetters(DeadLetterSink sink) {
      this.deadLetters = Objects.requireNonNull(sink, "deadLetters");
      return this;
    }

    /**
     * Counters only: where {@link Counters} keep running totals, e.g. Redis {@code INCRBY}
     * shared by every process ({@code HotsetRedis.counterTotals(name)}). Default: in the memory
     * of the process that opens them, which is exact only when one process counts the keys.
     */
    public Builder<K, V> totals(CounterTotals totals) {
      this.totals = Objects.requireNonNull(totals, "totals");
      return this;
    }

    /**
     * Counters only, required by {@link Counters#open}: reads the source's current value of a
     * key, from which its running total starts.
     */
    public Builder<K, V> seed(CounterSeed<? super K> seed) {
      this.seed = Objects.requireNonNull(seed, "seed");
      return this;
    }

    /**
     * A cache region whose entry of a written key is invalidated at once (values only): reads
     * then load the source, which is current once the write is flushed.
     */
    public Builder<K, V> region(Region<K, V> region) {
      this.region = Objects.requireNonNull(region, "region");
      return this;
    }

    /** The longest a write waits before its flush. Default 1 s. */
    public Builder<K, V> flushInterval(Duration interval) {
      this.flushInterval = Objects.requireNonNull(interval, "flushInterval");
      return this;
    }

    /** Most journal records merged into one sink call. Default 1,000. */
    public Builder<K, V> maxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** Most unflushed writes; then the full policy applies. Default 100,000. */
    public Builder<K, V> maxPending(int maxPending) {
      this.maxPending = maxPending;
      return this;
    }

    /** What a full buffer does. Default {@link FullPolicy#BLOCK} for up to {@code maxBlock}. */
    public Builder<K, V> fullPolicy(FullPolicy policy) {
      this.fullPolicy = Objects.requireNonNull(policy, "fullPolicy");
      return this;
    }

    /** How long {@link FullPolicy#BLOCK} waits for room. Default 100 ms. */
    public Builder<K, V> maxBlock(Duration maxBlock) {
      this.maxBlock = Objects.requireNonNull(maxBlock, "maxBlock");
      return this;
    }

    /** First retry delay after a failed flush; doubles up to {@code maxRetryBackoff}. Default 100 ms / 10 s. */
    public Builder<K, V> retryBackoff(Duration initial, Duration max) {
      this.retryBackoff = Objects.requireNonNull(initial, "retryBackoff");
      this.maxRetryBackoff = Objects.requireNonNull(max, "maxRetryBackoff");
      return this;
    }

    /** How long {@link WriteBehind#close()} keeps flushing. Default 10 s. */
    public Builder<K, V> shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Objects.requireNonNull(timeout, "shutdownTimeout");
      return this;
    }

    public Builder<K, V> meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /** Validates and builds; opens the file journal if a directory was given. */
    public WriteBehindSpec<K, V> build() {
      String w = "write-behind '" + name + "': ";
      if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("write-behind name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
      }
      if (sink == null) {
        throw new IllegalArgumentException(w + "a sink is required");
      }
      if ((journal == null) == (journalDirectory == null)) {
        throw new IllegalArgumentException(w + "give exactly one of journal(...) or journalDirectory(...)");
      }
      if (journalId != null && !journalId.matches("[A-Za-z0-9._@:-]{1,128}")) {
        throw new IllegalArgumentException(w + "journalId must match [A-Za-z0-9._@:-]{1,128}, was '" + journalId + "'");
      }
      if (region != null && counters) {
        throw new IllegalArgumentException(w + "counters cannot feed a region: a delta is not a value");
      }
      if (!counters && (totals != null || seed != null)) {
        throw new IllegalArgumentException(w + "totals and seed are for counters (WriteBehindSpec.counters), "
            + "this buffer stores values");
      }
      if (deadLetterFile != null && deadLetters != null) {
        throw new IllegalArgumentException(w + "give at most one of deadLetterFile(" + deadLetterFile
            + ") or deadLetters(" + deadLetters + ")");
      }
      positive(w, "flushInterval", flushInterval);
      positive(w, "retryBackoff", retryBackoff);
      positive(w, "shutdownTimeout", shutdownTimeout);
      if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
        throw new IllegalArgumentException(w + "maxRetryBackoff=" + maxRetryBackoff + " is below retryBackoff=" + retryBackoff);
      }
      if (maxBlock.isNegative()) {
        throw new IllegalArgumentException(w + "maxBlock must not be negative, was " + maxBlock);
      }
      if (maxBatch < 1) {
        throw new IllegalArgumentException(w + "maxBatch must be >= 1, was " + maxBatch);
      }
      if (maxPending < maxBatch) {
        throw new IllegalArgumentException(w + "maxPending=" + maxPending + " must be >= maxBatch=" + maxBatch);
      }
      WriteJournal j = journal != null ? journal : FileWriteJournal.open(journalDirectory.resolve(name + ".journal"),
          durability == Durability.MACHINE_CRASH);
      return new WriteBehindSpec<>(this, j);
    }

    private static void positive(String w, String what, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(w + what + " must be positive, was " + d);
      }
    }
  }

  /** Counters travel as decimal text. */
  enum LongCodec implements ValueCodec<Long> {
    INSTANCE;

    @Override
    public byte[] encode(Long value) {
      return Long.toString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public Long decode(byte[] bytes) {
      return Long.parseLong(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
    }
  }
}
