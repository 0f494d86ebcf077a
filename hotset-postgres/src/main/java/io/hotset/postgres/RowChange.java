package io.hotset.postgres;

import java.util.Map;
import java.util.Objects;

/**
 * One row change from the database's change stream, in commit order. Column values are in
 * PostgreSQL's text form ({@code null} for SQL NULL); an unchanged TOASTed column of an update
 * is absent from {@link #after()}.
 *
 * @param schema the table's schema
 * @param table the table's name
 * @param op what happened to the row
 * @param before the old row: for updates and deletes, as much of it as the table's
 *     {@code REPLICA IDENTITY} sends (the key columns by default; every column with
 *     {@code FULL}); empty for inserts, and for updates that did not change the key under
 *     the default identity
 * @param after the new row (inserts and updates); empty for deletes
 * @param commitLsn the end of the commit record of the row's transaction (its WAL position)
 * @param commitTimeMillis when the transaction committed (wall clock)
 */
public record RowChange(String schema, String table, Op op, Map<String, String> before, Map<String, String> after,
    long commitLsn, long commitTimeMillis) {

  /** The kind of row change. */
  public enum Op { INSERT, UPDATE, DELETE }

  public RowChange {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(op, "op");
    // Not Map.copyOf: SQL NULL is a null value.
    before = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(before));
    after = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(after));
  }

  /** {@code schema.table}. */
  public String qualifiedTable() {
    return schema + "." + table;
  }

  /** The value of a column in the new row if present there, else in the old row. */
  public String value(String column) {
    String v = after.get(column);
    return v != null || after.containsKey(column) ? v : before.get(column);
  }
}
