package io.hotset.internal;

import io.hotset.CodecException;
import io.hotset.HotsetException;
import io.hotset.PoisonRecordException;
import io.hotset.WriteBehind;
import io.hotset.WriteBehindFullException;
import io.hotset.WriteBehindSpec;
import io.hotset.spi.DeadLetter;
import io.hotset.spi.DeadLetterSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/*
 * Write-behind, exactly once by checkpoint.
 *
 * A write takes a permit (the bound on unflushed writes; the full policy decides what happens
 * without one), is appended to the durable journal (which assigns its sequence), and only then
 * acknowledged. One flusher thread takes the longest contiguous run of sequences after the
 * sink's checkpoint (at most maxBatch), merges it per key (last value wins; counters sum), and
 * hands it to the sink, which stores the merged values and the run's last sequence in one
 * transaction. On success the records are dropped and their permits returned; on failure the
 * same run is retried with exponential backoff (records arriving meanwhile may extend it).
 * Per-key order holds because a run is applied in journal order and runs never overlap.
 *
 * A restart asks the sink for its checkpoint and replays the journal after it: a run that
 * committed is never applied again (the checkpoint moved with it), a run that did not is
 * applied once. A gap in the sequences is waited out while appends are in flight (a sequence is
 * assigned before its record is enqueued); with none in flight it is a record whose append
 * failed (never acknowledged) and is skipped.
 *
 * Counters hold a record back from the flusher while its running total is being updated (see
 * DefaultCounters): a run stops before a held sequence. So whenever a total is seeded from the
 * source, every delta the source holds has finished its own total update, and the seed never
 * counts a delta that is also added on top of it.
 *
 * Records the sink rejects as poison go to the spec's DeadLetterSink, one by one; a failing
 * dead-letter store is logged (with the record) and counted, never retried, so it cannot stop
 * the flushing of everything else.
 */
public final class DefaultWriteBehind<K, V> implements WriteBehind<K, V> {
  private static final System.Logger LOG = System.getLogger(DefaultWriteBehind.class.getName());

  private record Rec<K, V>(long seq, K key, V value, long ackedAt) {}

  private static final class Room extends Semaphore {
    private static final long serialVersionUID = 1L;

    Room(int permits) {
      super(permits);
    }

    void reduce(int n) {
      reducePermits(n);
    }
  }

  private final WriteBehindSpec<K, V> spec;
  private final String name;
  /** The sink's checkpoint row: one per journal, never shared by two processes. */
  private final String journalId;
  private final String w;
  private final ConcurrentSkipListMap<Long, Rec<K, V>> pending = new ConcurrentSkipListMap<>();
  private final Room room;
  private final AtomicInteger appendsInFlight = new AtomicInteger();
  /** Sequences held back from flushing while their counter totals are updated. */
  private final Set<Long> held = ConcurrentHashMap.newKeySet();
  /** Told of each dead-lettered record after the dead-letter sink (counters take its delta back out). */
  private final BiConsumer<K, V> deadLettered;
  private final Object signal = new Object();
  private final Thread flusher;
  private final Timer flushLag;
  private final Counter flushes;
  private final Counter sourceWrites;
  private final Counter deadLetters;
  private final Counter deadLettersFailed;
  private final Counter rejected;
  private volatile long applied;
  private volatile boolean accepting = true;
  private volatile boolean running = true;
  private volatile boolean flushRequested;

  private DefaultWriteBehind(WriteBehindSpec<K, V> spec, BiConsumer<K, V> deadLettered) {
    this.spec = spec;
    this.deadLettered = deadLettered;
    this.name = spec.name();
    this.journalId = spec.journalId();
    this.w = "write-behind '" + name + "': ";
    this.room = new Room(spec.maxPending());
    var registry = spec.meterRegistry();
    Gauge.builder("hotset.writebehind.pending", pending, Map::size).tag("name", name)
        .description("acknowledged writes not yet in the source").register(registry);
    this.flushLag = Timer.builder("hotset.writebehind.flush.lag").tag("name", name)
        .description("from acknowledgement to commit in the source").publishPercentiles(0.5, 0.99).register(registry);
    this.flushes = Counter.builder("hotset.writebehind.flushes").tag("name", name).register(registry);
    this.sourceWrites = Counter.builder("hotset.writebehind.source.writes").tag("name", name)
        .description("merged entries written to the source").register(registry);
    this.deadLetters = Counter.builder("hotset.writebehind.dead.letters").tag("name", name)
        .description("records the sink rejected as poison").register(registry);
    this.deadLettersFailed = Counter.builder("hotset.writebehind.dead.letters.failed").tag("name", name)
        .description("dead letters the dead-letter sink failed to store (they are only in the log)")
        .register(registry);
    this.rejected = Counter.builder("hotset.writebehind.rejected").tag("name", name).register(registry);
    this.flusher = new Thread(this::flushLoop, "hotset-writebehind-" + name);
    this.flusher.setDaemon(true);
  }

  /**
   * Opens a buffer: reads the sink's checkpoint, replays the journal after it, starts flushing.
   *
   * @throws IllegalArgumentException for a spec with counter totals (they are Counters')
   */
  public static <K, V> DefaultWriteBehind<K, V> open(WriteBehindSpec<K, V> spec) {
    if (spec.totals() != null || spec.seed() != null) {
      throw new IllegalArgumentException("write-behind '" + spec.name() + "': has totals or a seed, which only "
          + "Counters.open(spec) keeps; WriteBehind.open would journal deltas and never update the totals");
    }
    return open(spec, (k, v) -> { });
  }

  static <K, V> DefaultWriteBehind<K, V> open(WriteBehindSpec<K, V> spec, BiConsumer<K, V> deadLettered) {
    DefaultWriteBehind<K, V> wb = new DefaultWriteBehind<>(spec, deadLettered);
    wb.recover();
    wb.flusher.start();
    return wb;
  }

  private void recover() {
    try {
      applied = spec.sink().appliedThrough(journalId);
      spec.journal().replay(applied, (bytes, seq) -> pending.put(seq, decode(bytes, seq, System.nanoTime())));
      spec.journal().ensureSequenceAbove(applied);
    } catch (Exception e) {
      throw new HotsetException(w + "cannot recover (sink checkpoint or journal replay failed): " + e, e);
    }
    if (!pending.isEmpty()) {
      room.reduce(pending.size());
      LOG.log(System.Logger.Level.INFO, w + "replaying " + pending.size() + " acknowledged writes after sequence "
          + applied);
      flushRequested = true;
    }
  }

  @Override
  public void write(K key, V value) {
    append(key, value, false);
  }

  /**
   * Journals and acknowledges one write; returns its sequence. With {@code hold} the record is
   * not flushed until {@link #release} of that sequence.
   */
  long append(K key, V value, boolean hold) {
    if (key == null || value == null) {
      throw new NullPointerException(w + "key and value must not be null");
    }
    if (!accepting) {
      throw new IllegalStateException(w + "is closed");
    }
    acquire();
    long acknowledged;
    byte[] record;
    try {
      record = encode(key, value);
    } catch (RuntimeException e) {
      room.release();
      throw e;
    }
    appendsInFlight.incrementAndGet();
    try {
      long seq;
      try {
        seq = spec.journal().append(record);
      } catch (Exception e) {
        room.release();
        throw new HotsetException(w + "journal append failed; the write was not acknowledged: " + e, e);
      }
      if (hold) {
        held.add(seq); // before the flusher can see the record
      }
      pending.put(seq, new Rec<>(seq, key, value, System.nanoTime()));
      acknowledged = seq;
    } finally {
      appendsInFlight.decrementAndGet();
    }
    if (spec.region() != null) {
      // invalidate, not put: two writers' puts could land out of journal order and leave the
      // older value cached; the next read loads the merged truth (or this value once flushed)
      spec.region().invalidate(key);
    }
    if (pending.size() >= spec.maxBatch()) {
      wake();
    }
    return acknowledged;
  }

  /** Lets the flusher take a record {@link #append}ed with {@code hold}. */
  void release(long seq) {
    held.remove(seq);
  }

  String name() {
    return name;
  }

  WriteBehindSpec<K, V> spec() {
    return spec;
  }

  private void acquire() {
    boolean ok;
    Duration waited = Duration.ZERO;
    if (spec.fullPolicy() == WriteBehindSpec.FullPolicy.REJECT || spec.maxBlock().isZero()) {
      ok = room.tryAcquire();
    } else {
      waited = spec.maxBlock();
      try {
        ok = room.tryAcquire(spec.maxBlock().toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ok = false;
      }
    }
    if (!ok) {
      rejected.increment();
      throw new WriteBehindFullException(name, pending.size(), waited, spec.flushInterval());
    }
  }

  @Override
  public long pending() {
    return pending.size();
  }

  @Override
  public boolean flush(Duration timeout) {
    Map.Entry<Long, Rec<K, V>> last = pending.lastEntry();
    if (last == null) {
      return true;
    }
    long target = last.getKey();
    long deadline = System.nanoTime() + timeout.toNanos();
    flushRequested = true;
    wake();
    synchronized (signal) {
      while (applied < target && System.nanoTime() < deadline) {
        try {
          signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return applied >= target;
  }

  @Override
  public void close() {
    accepting = false;
    boolean drained = flush(spec.shutdownTimeout());
    if (!drained) {
      LOG.log(System.Logger.Level.WARNING, w + pending.size()
          + " writes not flushed at shutdown; they stay in the journal and are replayed on the next start");
    }
    running = false;
    wake();
    try {
      flusher.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    spec.journal().close();
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  // ---------------------------------------------------------------------------------- flushing

  private void flushLoop() {
    long backoff = spec.retryBackoff().toNanos();
    while (running) {
      try {
        awaitWork();
        if (!running) {
          break;
        }
        List<Rec<K, V>> run = contiguousRun();
        if (run.isEmpty()) {
          continue;
        }
        if (applyRun(run)) {
          backoff = spec.retryBackoff().toNanos();
        } else {
          sleep(backoff);
          backoff = Math.min(backoff * 2, spec.maxRetryBackoff().toNanos());
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, w + "flusher error; retrying", e);
        sleep(backoff);
      }
    }
  }

  private void awaitWork() {
    synchronized (signal) {
      while (running) {
        Map.Entry<Long, Rec<K, V>> first = pending.firstEntry();
        if (first != null) {
          long age = System.nanoTime() - first.getValue().ackedAt();
          if (flushRequested || pending.size() >= spec.maxBatch() || age >= spec.flushInterval().toNanos()) {
            flushRequested = false;
            return;
          }
          long waitNanos = spec.flushInterval().toNanos() - age;
          waitMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
        } else {
          waitMillis(spec.flushInterval().toMillis());
        }
      }
    }
  }

  private void waitMillis(long millis) {
    try {
      signal.wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** The records from the checkpoint on, while their sequences are contiguous (at most maxBatch). */
  private List<Rec<K, V>> contiguousRun() {
    List<Rec<K, V>> run = new ArrayList<>();
    long expected = applied + 1;
    for (Map.Entry<Long, Rec<K, V>> e : pending.tailMap(applied, false).entrySet()) {
      if (e.getKey() != expected) {
        if (run.isEmpty() && appendsInFlight.get() == 0 && pending.firstKey() == e.getKey()) {
          // a sequence whose append failed (never acknowledged): skip the gap
          LOG.log(System.Logger.Level.DEBUG, w + "skipping sequences " + expected + ".." + (e.getKey() - 1));
          expected = e.getKey();
        } else {
          break;
        }
      }
      if (!held.isEmpty() && held.contains(e.getKey())) {
        break; // its counter total is being updated; the flusher polls until it is released
      }
      run.add(e.getValue());
      expected++;
      if (run.size() >= spec.maxBatch()) {
        break;
      }
    }
    if (run.isEmpty() && !pending.isEmpty()) {
      sleep(TimeUnit.MILLISECONDS.toNanos(1)); // an append in flight holds the gap
    }
    return run;
  }

  /** Merges and applies one run; returns whether it is done (applied, or dead-lettered). */
  private boolean applyRun(List<Rec<K, V>> run) {
    long through = run.get(run.size() - 1).seq();
    Map<K, V> merged = new LinkedHashMap<>();
    for (Rec<K, V> rec : run) {
      merged.merge(rec.key(), rec.value(), spec.merge());
    }
    while (true) {
      try {
        spec.sink().apply(merged, journalId, through);
        break;
      } catch (PoisonRecordException poison) {
        int before = merged.size();
        for (Object key : poison.keys()) {
          if (merged.remove(key) != null) {
            for (Rec<K, V> rec : run) {
              if (rec.key().equals(key)) {
                deadLetter(rec, poison);
              }
            }
          }
        }
        if (merged.size() == before) {
          LOG.log(System.Logger.Level.WARNING, w + "sink named poison keys not in the batch: " + poison.keys());
          return false;
        }
      } catch (Exception e) {
        // The commit may have happened even though we got an error (a connection reset during
        // COMMIT): ask the sink. A run it has applied must not be applied again.
        long seen = checkpointOrMinusOne();
        if (seen >= through) {
          LOG.log(System.Logger.Level.INFO, w + "flush through " + through + " reported " + e
              + " but the source has it; not retrying");
          break;
        }
        LOG.log(System.Logger.Level.WARNING, w + "flush of " + run.size() + " writes through sequence " + through
            + " failed; retrying with backoff: " + e);
        return false;
      }
    }
    long now = System.nanoTime();
    for (Rec<K, V> rec : run) {
      pending.remove(rec.seq());
      flushLag.record(now - rec.ackedAt(), TimeUnit.NANOSECONDS);
    }
    applied = through;
    room.release(run.size());
    flushes.increment();
    sourceWrites.increment(merged.size());
    try {
      spec.journal().truncateThrough(through);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, w + "journal truncation failed", e);
    }
    wake();
    return true;
  }

  private long checkpointOrMinusOne() {
    try {
      return spec.sink().appliedThrough(journalId);
    } catch (Exception e) {
      return -1;
    }
  }

  private void deadLetter(Rec<K, V> rec, PoisonRecordException why) {
    deadLetters.increment();
    String key = spec.keyFormat().format(rec.key());
    String text = String.valueOf(rec.value());
    String reason = why.getMessage() != null ? why.getMessage() : why.toString();
    String line = rec.seq() + "\t" + key + "\t" + text + "\t" + reason;
    LOG.log(System.Logger.Level.WARNING, w + "dead letter: " + line);
    DeadLetterSink sink = spec.deadLetters();
    if (sink != null) {
      try {
        byte[] value = spec.codec().encode(rec.value());
        sink.deadLetter(new DeadLetter(name, journalId, rec.seq(), key, value, text, reason, Instant.now()));
      } catch (Exception e) {
        deadLettersFailed.increment();
        LOG.log(System.Logger.Level.ERROR, w + "cannot store a dead letter in " + sink
            + "; this log line is its only copy: " + line, e);
      }
    }
    try {
      deadLettered.accept(rec.key(), rec.value());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, w + "after dead letter " + rec.seq(), e);
    }
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------- records

  private byte[] encode(K key, V value) {
    byte[] k = spec.keyFormat().format(key).getBytes(StandardCharsets.UTF_8);
    byte[] v;
    try {
      v = spec.codec().encode(value);
    } catch (Exception e) {
      throw new CodecException(w + "cannot encode the value of key '" + spec.keyFormat().format(key) + "': " + e, e);
    }
    return ByteBuffer.allocate(4 + k.length + v.length).putInt(k.length).put(k).put(v).array();
  }

  private Rec<K, V> decode(byte[] record, long seq, long now) {
    try {
      ByteBuffer b = ByteBuffer.wrap(record);
      int kl = b.getInt();
      K key = spec.keyFormat().parse(new String(record, 4, kl, StandardCharsets.UTF_8));
      V value = spec.codec().decode(record, 4 + kl, record.length - 4 - kl);
      return new Rec<>(seq, key, value, now);
    } catch (Exception e) {
      throw new HotsetException(w + "undecodable journal record at sequence " + seq + ": " + e, e);
    }
  }
}
