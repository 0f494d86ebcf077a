package io.hotset.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The load harness's Java entry point: runs a {@link LoadConfig} against a live service over
 * HTTP, prints progress and the summary, and writes the JSON result, its plot and (with a
 * baseline) the comparison. {@code hotset-load} ({@link LoadMain}) is a command line over it.
 * It never starts the service; it only talks HTTP and runs the configured hooks.
 */
public final class LoadHarness {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private LoadHarness() {}

  /**
   * Runs {@code config} to completion on the calling thread (bounded by its duration, request
   * timeout and hook timeout) and writes its outputs.
   *
   * @param log receives the progress lines, the summary and the comparison
   * @throws IOException when the trace cannot be read or an output cannot be written
   */
  public static LoadResult run(LoadConfig config, PrintStream log) throws IOException, InterruptedException {
    log.printf("hotset-load %s -> %s%n", config.scenario(), config.targets());
    LoadResult result = new LoadRun(config, log).run();
    log.print(LoadReport.text(result));
    Path json = jsonPath(config);
    write(result, json);
    log.println("wrote " + json);
    Path png = plotPath(config, json);
    if (png != null) {
      LoadPlot.write(result, png);
      log.println("wrote " + png);
    }
    if (config.compare() != null) {
      LoadReport.Comparison c = LoadReport.compare(read(config.compare()), JSON.valueToTree(result));
      log.print(LoadReport.text(c));
      Path comparePng = sibling(json, "-compare.png");
      LoadPlot.write(c, comparePng);
      log.println("wrote " + comparePng);
    }
    return result;
  }

  /** The JSON result path: {@code --out}, else {@code hotset-load-<scenario>.json}. */
  static Path jsonPath(LoadConfig config) {
    return config.out() != null ? config.out() : Path.of("hotset-load-" + config.scenario() + ".json");
  }

  /** The plot path: {@code --plot}, else the JSON path with {@code .png}; null for {@code --plot none}. */
  static Path plotPath(LoadConfig config, Path json) {
    if (config.plot() != null) {
      return config.plot().toString().equals("none") ? null : config.plot();
    }
    return sibling(json, ".png");
  }

  static Path sibling(Path json, String suffix) {
    String name = json.getFileName().toString();
    String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    return json.resolveSibling(base + suffix);
  }

  /** Writes {@code result} as indented JSON. */
  public static void write(LoadResult result, Path json) throws IOException {
    Path parent = json.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(json.toFile(), result);
  }

  /** Reads a JSON result (of this or an earlier run) as a tree. */
  public static JsonNode read(Path json) throws IOException {
    JsonNode node = JSON.readTree(json.toFile());
    if (node == null || !node.isObject() || !node.has("totals")) {
      throw new IOException(json + " is not a hotset-load result (no \"totals\")");
    }
    return node;
  }

  /** Compares two result files, prints the table, and writes the bar chart to {@code png} (unless null). */
  public static LoadReport.Comparison compare(Path baseline, Path run, Path png, PrintStream log) throws IOException {
    LoadReport.Comparison c = LoadReport.compare(read(baseline), read(run));
    log.print(LoadReport.text(c));
    if (png != null) {
      LoadPlot.write(c, png);
      log.println("wrote " + png);
    }
    return c;
  }
}
