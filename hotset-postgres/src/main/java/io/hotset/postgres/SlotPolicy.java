package io.hotset.postgres;

/**
 * What change data capture does when its replication slot retains more WAL than allowed
 * (the consumer is stuck, e.g. its fan-out keeps failing). Either way the alarm gauge
 * {@code hotset_cdc_slot_alarm} reads 1 and an error is logged.
 */
public enum SlotPolicy {
  /** Only raise the alarm; the slot keeps its WAL (the database's disk is the limit). */
  ALARM,
  /**
   * Raise the alarm and give up on the stuck batch: acknowledge it without fan-out so the
   * database can free the WAL, count it in {@code hotset_cdc_gaps_total} and tell the
   * {@link ChangeCapture.Builder#onGap gap handler}. Entries the batch should have invalidated
   * stay until their TTL (the floor of every entry).
   */
  SKIP_AHEAD
}
