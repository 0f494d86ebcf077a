package io.hotset.bench.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A tolerant reader of the Prometheus text exposition format (and the OpenMetrics text that
 * Micrometer may serve): {@code name{label="value",...} value [timestamp]} per line. Comments,
 * {@code # HELP}/{@code # TYPE}/{@code # EOF} lines and lines it cannot read are skipped (and
 * counted), never thrown: a harness must not fail because a service added an odd metric.
 */
public final class PrometheusText {

  /** One sample: a metric name, its labels and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    public Sample {
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** The value of label {@code key}, or {@code ""} when absent. */
    public String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  private final List<Sample> samples;
  private final int skippedLines;

  private PrometheusText(List<Sample> samples, int skippedLines) {
    this.samples = List.copyOf(samples);
    this.skippedLines = skippedLines;
  }

  /** Parses {@code text}; never throws on malformed input. */
  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    int skipped = 0;
    if (text == null) {
      return new PrometheusText(samples, 0);
    }
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Sample s = parseLine(line);
      if (s == null) {
        skipped++;
      } else {
        samples.add(s);
      }
    }
    return new PrometheusText(samples, skipped);
  }

  public List<Sample> samples() {
    return samples;
  }

  /** Non-comment lines that could not be read. */
  public int skippedLines() {
    return skippedLines;
  }

  /** Whether any sample of metric {@code name} is present. */
  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  /** The sum of all samples of {@code name} whose labels match {@code labels}; 0 when none. */
  public double sum(String name, Predicate<Map<String, String>> labels) {
    double sum = 0;
    for (Sample s : samples) {
      if (s.name().equals(name) && labels.test(s.labels()) && !Double.isNaN(s.value())) {
        sum += s.value();
      }
    }
    return sum;
  }

  /** The sum of all samples of {@code name} with the given label values (other labels ignored). */
  public double sum(String name, String... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("label keys and values come in pairs, got " + keyValues.length);
    }
    return sum(name, labels -> {
      for (int i = 0; i < keyValues.length; i += 2) {
        if (!keyValues[i + 1].equals(labels.getOrDefault(keyValues[i], ""))) {
          return false;
        }
      }
      return true;
    });
  }

  /** One sample line, or null when it is malformed. */
  static Sample parseLine(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && isNameChar(line.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      return null;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    i = skipSpaces(line, i);
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        i = skipSpaces(line, i);
        if (i >= n) {
          return null;
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int keyStart = i;
        while (i < n && isNameChar(line.charAt(i), i == keyStart)) {
          i++;
        }
        if (i == keyStart) {
          return null;
        }
        String key = line.substring(keyStart, i);
        i = skipSpaces(line, i);
        if (i >= n || line.charAt(i) != '=') {
          return null;
        }
        i = skipSpaces(line, i + 1);
        if (i >= n || line.charAt(i) != '"') {
          return null;
        }
        i++;
        StringBuilder value = new StringBuilder();
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i++);
          if (c == '\\' && i < n) {
            char e = line.charAt(i++);
            value.append(e == 'n' ? '\n' : e);
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          return null;
        }
        labels.put(key, value.toString());
        i = skipSpaces(line, i);
        if (i < n && line.charAt(i) == ',') {
          i++;
        }
      }
    }
    i = skipSpaces(line, i);
    int valueStart = i;
    while (i < n && !Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    if (i == valueStart) {
      return null;
    }
    Double value = parseValue(line.substring(valueStart, i));
    return value == null ? null : new Sample(name, labels, value);
  }

  private static Double parseValue(String v) {
    switch (v) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(v);
        } catch (NumberFormatException e) {
          return null;
        }
    }
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
        || (!first && c >= '0' && c <= '9');
  }
}
