package io.hotset.postgres.internal.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgOutputTest {
  private final PgOutput decoder = new PgOutput();

  @Test
  void decodesATransactionWithRelationInsertUpdateDelete() throws IOException {
    assertThat(decoder.decode(begin(0x10L, 0, 7))).isInstanceOf(PgOutput.Begin.class);
    assertThat(decoder.decode(relation(16384, "public", "products", "product_id", "category_id", "note")))
        .isInstanceOf(PgOutput.Other.class);

    PgOutput.Row ins = (PgOutput.Row) decoder.decode(row('I', 16384, null, new String[] {"42", "5", null}));
    assertThat(ins.op()).isEqualTo('I');
    assertThat(ins.relation().name()).isEqualTo("products");
    assertThat(ins.after()).containsEntry("product_id", "42").containsEntry("category_id", "5")
        .containsEntry("note", null);
    assertThat(ins.before()).isEmpty();

    PgOutput.Row upd = (PgOutput.Row) decoder.decode(row('U', 16384, new String[] {"42", "5", "x"},
        new String[] {"42", "6", "u"}));
    assertThat(upd.before()).containsEntry("category_id", "5");
    assertThat(upd.after()).containsEntry("category_id", "6").doesNotContainKey("note"); // unchanged TOAST

    PgOutput.Row del = (PgOutput.Row) decoder.decode(row('D', 16384, new String[] {"42", null, null}, null));
    assertThat(del.after()).isEmpty();
    assertThat(del.before()).containsEntry("product_id", "42");

    PgOutput.Commit commit = (PgOutput.Commit) decoder.decode(commit(0x20L, 0x28L, 1_000_000L));
    assertThat(commit.endLsn()).isEqualTo(0x28L);
    // 2000-01-01 plus one second
    assertThat(commit.commitTimeMillis()).isEqualTo(946_684_801_000L);
  }

  @Test
  void aRowForAnUnknownRelationIsAClearError() throws IOException {
    assertThatThrownBy(() -> decoder.decode(row('I', 999, null, new String[] {"1"})))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("999");
  }

  private static ByteBuffer begin(long lsn, long ts, int xid) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('B');
    out.writeLong(lsn);
    out.writeLong(ts);
    out.writeInt(xid);
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static ByteBuffer commit(long lsn, long end, long ts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('C');
    out.writeByte(0);
    out.writeLong(lsn);
    out.writeLong(end);
    out.writeLong(ts);
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static ByteBuffer relation(int oid, String schema, String name, String... cols) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('R');
    out.writeInt(oid);
    cstring(out, schema);
    cstring(out, name);
    out.writeByte('d');
    out.writeShort(cols.length);
    for (String c : cols) {
      out.writeByte(0);
      cstring(out, c);
      out.writeInt(25);
      out.writeInt(-1);
    }
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static ByteBuffer row(char op, int oid, String[] before, String[] after) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(op);
    out.writeInt(oid);
    if (before != null) {
      out.writeByte(op == 'D' ? 'K' : 'O');
      tuple(out, before);
    }
    if (after != null) {
      out.writeByte('N');
      tuple(out, after);
    }
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static void tuple(DataOutputStream out, String[] values) throws IOException {
    out.writeShort(values.length);
    for (String v : values) {
      if (v == null) {
        out.writeByte('n');
      } else if (v.equals("u")) {
        out.writeByte('u');
      } else {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.writeByte('t');
        out.writeInt(b.length);
        out.write(b);
      }
    }
  }

  private static void cstring(DataOutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.writeByte(0);
  }
}
