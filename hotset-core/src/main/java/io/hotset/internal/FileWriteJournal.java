package io.hotset.internal;

import io.hotset.spi.WriteJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.ObjLongConsumer;
import java.util.zip.CRC32;

/**
 * A local append-only journal file for write-behind without Redis. Each record is
 * {@code [long seq][int length][int crc32][bytes]}; a record of length -1 is a marker that
 * only carries the sequence forward across a truncation. Appends are group-committed: one
 * {@code fsync} covers every append that arrived while the previous one ran. A torn tail (a
 * crash mid-append) fails its CRC or length and is cut off on open; it was never acknowledged.
 */
public final class FileWriteJournal implements WriteJournal {
  private static final int HEADER = 16;
  private static final long COMPACT_BYTES = 16L << 20;

  private final Path file;
  private final boolean fsync;
  private final FileChannel channel;
  private final Object writeLock = new Object();
  private final Object syncLock = new Object();
  private long lastSequence;
  private volatile long written;
  private long synced;

  private FileWriteJournal(Path file, boolean fsync) throws IOException {
    this.file = file;
    this.fsync = fsync;
    Files.createDirectories(file.toAbsolutePath().getParent());
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long validEnd = scan(Long.MIN_VALUE, null);
    if (validEnd < channel.size()) {
      channel.truncate(validEnd); // a torn tail from a crash mid-append: never acknowledged
    }
    channel.position(validEnd);
    written = lastSequence;
    synced = lastSequence;
  }

  /** Opens (creating) the journal file and recovers its last sequence; appends are fsync'd. */
  public static FileWriteJournal open(Path file) {
    return open(file, true);
  }

  /**
   * Opens the journal; with {@code fsync} false an append is acknowledged once the OS has it:
   * it survives a crash of this process (kill -9) but not of the machine.
   */
  public static FileWriteJournal open(Path file, boolean fsync) {
    try {
      return new FileWriteJournal(file, fsync);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open write-behind journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads records after {@code after}; returns the end of the last valid record. Updates lastSequence. */
  private long scan(long after, ObjLongConsumer<byte[]> consumer) throws IOException {
    long pos = 0;
    long size = channel.size();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    while (pos + HEADER <= size) {
      header.clear();
      channel.read(header, pos);
      header.flip();
      long seq = header.getLong();
      int len = header.getInt();
      int crc = header.getInt();
      if (len == -1) {
        lastSequence = Math.max(lastSequence, seq);
        pos += HEADER;
        continue;
      }
      if (len < 0 || pos + HEADER + len > size) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(len);
      channel.read(body, pos + HEADER);
      CRC32 c = new CRC32();
      c.update(body.array());
      if ((int) c.getValue() != crc) {
        break;
      }
      lastSequence = Math.max(lastSequence, seq);
      if (consumer != null && seq > after) {
        consumer.accept(body.array(), seq);
      }
      pos += HEADER + len;
    }
    return pos;
  }

  @Override
  public long append(byte[] record) throws IOException {
    long seq;
    synchronized (writeLock) {
      seq = ++lastSequence;
      CRC32 c = new CRC32();
      c.update(record);
      ByteBuffer b = ByteBuffer.allocate(HEADER + record.length);
      b.putLong(seq).putInt(record.length).putInt((int) c.getValue()).put(record).flip();
      while (b.hasRemaining()) {
        channel.write(b);
      }
      written = seq;
    }
    if (!fsync) {
      return seq;
    }
    synchronized (syncLock) {
      if (synced < seq) {
        long target = written; // covers every append that got here first: group commit
        channel.force(false);
        synced = target;
      }
    }
    return seq;
  }

  @Override
  public void replay(long afterSequence, ObjLongConsumer<byte[]> consumer) throws IOException {
    synchronized (writeLock) {
      scan(afterSequence, consumer);
    }
  }

  @Override
  public void ensureSequenceAbove(long sequence) throws IOException {
    synchronized (writeLock) {
      if (lastSequence >= sequence) {
        return;
      }
      ByteBuffer marker = ByteBuffer.allocate(HEADER);
      marker.putLong(sequence).putInt(-1).putInt(0).flip();
      while (marker.hasRemaining()) {
        channel.write(marker);
      }
      channel.force(false);
      lastSequence = sequence;
      written = sequence;
    }
  }

  @Override
  public void truncateThrough(long sequence) throws IOException {
    synchronized (writeLock) {
      if (sequence < lastSequence || channel.size() < COMPACT_BYTES) {
        return; // only compact when everything is applied and the file is big
      }
      channel.truncate(0);
      ByteBuffer marker = ByteBuffer.allocate(HEADER);
      marker.putLong(lastSequence).putInt(-1).putInt(0).flip();
      channel.write(marker, 0);
      channel.position(HEADER);
      channel.force(true);
    }
  }

  /** Forces a compaction at the next truncate regardless of size (tests). */
  long sizeBytes() throws IOException {
    return channel.size();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      System.getLogger(FileWriteJournal.class.getName()).log(System.Logger.Level.WARNING,
          "closing journal " + file, e);
    }
  }
}
