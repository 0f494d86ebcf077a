package io.hotset.bench.load;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the short durations of the command line ({@code 500ms}, {@code 10s}, {@code 1.5s},
 * {@code 2m}, {@code 1m30s}, {@code 1h}, a bare number of seconds, or ISO-8601 {@code PT10S}) and
 * formats seconds for reports.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private Durations() {}

  /**
   * The duration {@code text} names.
   *
   * @throws IllegalArgumentException quoting {@code text} when it is not a non-negative duration
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (t.startsWith("p")) {
      try {
        Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
        if (d.isNegative()) {
          throw new IllegalArgumentException("duration must not be negative, was '" + text + "'");
        }
        return d;
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a duration: '" + text + "'");
      }
    }
    if (t.matches("\\d+(\\.\\d+)?")) {
      return ofSeconds(Double.parseDouble(t));
    }
    Matcher m = PART.matcher(t);
    int end = 0;
    double seconds = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      double v = Double.parseDouble(m.group(1));
      seconds += switch (m.group(2)) {
        case "ms" -> v / 1000;
        case "s" -> v;
        case "m" -> v * 60;
        default -> v * 3600;
      };
      end = m.end();
    }
    if (end == 0 || end != t.length()) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (use e.g. 500ms, 10s, 2m, 1m30s, PT10S)");
    }
    return ofSeconds(seconds);
  }

  private static Duration ofSeconds(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }

  /** Seconds with up to three decimals, e.g. {@code 1.5s} or {@code 60s}. */
  public static String format(Duration d) {
    double s = d.toNanos() / 1e9;
    String n = String.format(Locale.ROOT, "%.3f", s).replaceAll("\\.?0+$", "");
    return n + "s";
  }

  /** A duration in (fractional) seconds. */
  public static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
