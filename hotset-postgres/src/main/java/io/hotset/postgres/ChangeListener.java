package io.hotset.postgres;

import java.util.List;

/**
 * Receives row changes from {@link ChangeCapture} in commit order, one batch at a time, before
 * the batch's invalidations fan out (so a derived table it maintains is current when readers
 * refill). A batch is acknowledged to the database only after every listener returned; one
 * that throws gets the same batch again (after a backoff), so it must be idempotent.
 */
@FunctionalInterface
public interface ChangeListener {
  void onChanges(List<RowChange> changes) throws Exception;
}
