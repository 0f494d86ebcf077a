package io.hotset.bench.load;

import java.time.Duration;

/**
 * A shell command the harness runs ({@code /bin/sh -c}) at a point of the measured run, e.g.
 * {@code kill -STOP <redis pid>} at 10 s and {@code kill -CONT <pid>} at 30 s. Each hook starts
 * a new phase of the report. Written {@code 10s=kill -STOP 123} on the command line.
 *
 * @param at time since the start of the measurement (after warm-up)
 * @param command the shell command
 */
public record Hook(Duration at, String command) {

  public Hook {
    if (at == null || at.isNegative()) {
      throw new IllegalArgumentException("hook time must be >= 0, was " + at);
    }
    if (command == null || command.isBlank()) {
      throw new IllegalArgumentException("hook command must not be empty (at " + Durations.format(at) + ")");
    }
  }

  /** Parses {@code <duration>=<command>}, e.g. {@code 10s=kill -STOP 123}. */
  public static Hook parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("a hook is <time>=<command>, e.g. 10s='kill -STOP 123'; was '" + text + "'");
    }
    return new Hook(Durations.parse(text.substring(0, eq)), text.substring(eq + 1).strip());
  }
}
