package io.hotset.spi;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One write-behind record the sink rejected as poison ({@link io.hotset.PoisonRecordException}),
 * as handed to a {@link DeadLetterSink}: enough to find it in the journal, read it without the
 * application's codec, and replay it by hand once the cause is fixed.
 *
 * @param name the write-behind buffer's name
 * @param journalId the journal (and checkpoint) id the record came from
 * @param sequence the record's journal sequence
 * @param key the key in its {@link KeyFormat} string form
 * @param value the value as the buffer's codec encodes it (for counters: the delta in decimal)
 * @param valueText the value's {@code toString()}, for people reading the dead letters
 * @param reason why the sink rejected it (the exception's message)
 * @param at when it was dead-lettered
 */
public record DeadLetter(String name, String journalId, long sequence, String key, byte[] value, String valueText,
    String reason, Instant at) {

  /** Copies {@code value}; rejects nulls. */
  public DeadLetter {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(journalId, "journalId");
    Objects.requireNonNull(key, "key");
    value = Objects.requireNonNull(value, "value").clone();
    Objects.requireNonNull(valueText, "valueText");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
  }

  /** The encoded value (a copy). */
  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d && sequence == d.sequence && name.equals(d.name)
        && journalId.equals(d.journalId) && key.equals(d.key) && Arrays.equals(value, d.value)
        && valueText.equals(d.valueText) && reason.equals(d.reason) && at.equals(d.at);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, journalId, sequence, key, Arrays.hashCode(value), valueText, reason, at);
  }

  @Override
  public String toString() {
    return "DeadLetter[" + name + "/" + journalId + " #" + sequence + " key=" + key + " value=" + valueText
        + " reason=" + reason + " at=" + at + "]";
  }
}
