package io.hotset.postgres.internal.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoder for PostgreSQL's {@code pgoutput} logical replication protocol, version 1 (the
 * messages of the "Logical Replication Message Formats" chapter): Begin, Commit, Relation,
 * Insert, Update, Delete, Truncate; Origin, Type and logical messages are skipped. Column
 * values stay in text form. Stateful: Relation messages define the columns later row
 * messages refer to.
 */
public final class PgOutput {
  /** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01. */
  static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;

  /** A decoded message. */
  public sealed interface Message permits Begin, Commit, Row, Truncate, Other {}

  /** Start of a transaction. */
  public record Begin(long finalLsn, long commitTimeMillis, int xid) implements Message {}

  /** End of a transaction; {@code endLsn} is the position to acknowledge once it is handled. */
  public record Commit(long commitLsn, long endLsn, long commitTimeMillis) implements Message {}

  /** A row change; {@code before} is empty when the server sent no old tuple. */
  public record Row(Relation relation, char op, Map<String, String> before, Map<String, String> after)
      implements Message {}

  /** TRUNCATE of one or more tables. */
  public record Truncate(List<Relation> relations) implements Message {}

  /** Anything else (relation, type, origin, logical message). */
  public record Other(char type) implements Message {}

  /** A table as described by a Relation message. */
  public record Relation(int oid, String schema, String name, char replicaIdentity, List<String> columns) {}

  private final Map<Integer, Relation> relations = new java.util.HashMap<>();

  /** Decodes one message; the buffer's position moves past it. */
  public Message decode(ByteBuffer buf) {
    char type = (char) buf.get();
    switch (type) {
      case 'B': {
        long finalLsn = buf.getLong();
        long ts = buf.getLong();
        int xid = buf.getInt();
        return new Begin(finalLsn, pgMicrosToMillis(ts), xid);
      }
      case 'C': {
        buf.get(); // flags
        long commitLsn = buf.getLong();
        long endLsn = buf.getLong();
        long ts = buf.getLong();
        return new Commit(commitLsn, endLsn, pgMicrosToMillis(ts));
      }
      case 'R': {
        int oid = buf.getInt();
        String schema = cstring(buf);
        String name = cstring(buf);
        char identity = (char) buf.get();
        int n = buf.getShort();
        List<String> cols = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          buf.get(); // flags (1 = part of the key)
          cols.add(cstring(buf));
          buf.getInt(); // type oid
          buf.getInt(); // type modifier
        }
        relations.put(oid, new Relation(oid, schema, name, identity, List.copyOf(cols)));
        return new Other(type);
      }
      case 'I': {
        Relation rel = relation(buf.getInt());
        char marker = (char) buf.get();
        if (marker != 'N') {
          throw new IllegalStateException("pgoutput insert: expected 'N', got '" + marker + "'");
        }
        return new Row(rel, 'I', Map.of(), tuple(buf, rel));
      }
      case 'U': {
        Relation rel = relation(buf.getInt());
        char marker = (char) buf.get();
        Map<String, String> before = Map.of();
        if (marker == 'K' || marker == 'O') {
          before = tuple(buf, rel);
          marker = (char) buf.get();
        }
        if (marker != 'N') {
          throw new IllegalStateException("pgoutput update: expected 'N', got '" + marker + "'");
        }
        return new Row(rel, 'U', before, tuple(buf, rel));
      }
      case 'D': {
        Relation rel = relation(buf.getInt());
        char marker = (char) buf.get();
        if (marker != 'K' && marker != 'O') {
          throw new IllegalStateException("pgoutput delete: expected 'K' or 'O', got '" + marker + "'");
        }
        return new Row(rel, 'D', tuple(buf, rel), Map.of());
      }
      case 'T': {
        int n = buf.getInt();
        buf.get(); // options
        List<Relation> rels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          rels.add(relation(buf.getInt()));
        }
        return new Truncate(rels);
      }
      default:
        return new Other(type); // 'Y' type, 'O' origin, 'M' message: nothing to invalidate
    }
  }

  private Relation relation(int oid) {
    Relation rel = relations.get(oid);
    if (rel == null) {
      throw new IllegalStateException("pgoutput: row for unknown relation oid " + oid + " (no Relation message seen)");
    }
    return rel;
  }

  /** TupleData: values by column name; an unchanged TOAST value ('u') is left out. */
  private static Map<String, String> tuple(ByteBuffer buf, Relation rel) {
    int n = buf.getShort();
    Map<String, String> values = new LinkedHashMap<>(Math.max(4, n * 2));
    for (int i = 0; i < n; i++) {
      String col = i < rel.columns().size() ? rel.columns().get(i) : "col" + i;
      char kind = (char) buf.get();
      switch (kind) {
        case 'n' -> values.put(col, null);
        case 'u' -> { }
        case 't', 'b' -> {
          int len = buf.getInt();
          byte[] bytes = new byte[len];
          buf.get(bytes);
          values.put(col, new String(bytes, StandardCharsets.UTF_8));
        }
        default -> throw new IllegalStateException("pgoutput: unknown tuple column kind '" + kind + "'");
      }
    }
    return Collections.unmodifiableMap(values);
  }

  private static String cstring(ByteBuffer buf) {
    int start = buf.position();
    int end = start;
    while (buf.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    buf.get(bytes);
    buf.get(); // the terminating zero
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static long pgMicrosToMillis(long pgMicros) {
    return Math.floorDiv(pgMicros + PG_EPOCH_OFFSET_MICROS, 1000L);
  }
}
