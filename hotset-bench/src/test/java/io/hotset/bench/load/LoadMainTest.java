package io.hotset.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadMainTest {

  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void badInputIsAUsageErrorWithExitCode2() {
    Map<String[], String> cases = Map.of(
        new String[] {"run", "--concurrency", "0"}, "--concurrency must be in [1, 4096], was 0",
        new String[] {"run", "--duration", "soon"}, "not a duration: 'soon'",
        new String[] {"run", "--keys", "random"}, "'random'",
        new String[] {"scenario", "nope"}, "unknown scenario 'nope'",
        new String[] {"scenario", "purge-storm", "--admin-token", ""}, "--admin-token is required",
        new String[] {"run", "--duration", "5s", "--at", "9s=true"}, "hook at 9s is not before the end",
        new String[] {"run", "--at", "kill"}, "<time>=<command>",
        new String[] {"run", "--no-such-option"}, "Unknown option",
        new String[] {"compare", "/nonexistent/a.json", "/nonexistent/b.json"}, "cannot read",
        new String[] {}, "missing command");
    cases.forEach((args, message) -> {
      Outcome o = run(args);
      assertThat(o.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(o.err()).as(String.join(" ", args)).contains(message);
    });
  }

  @Test
  void helpListsTheScenarios() {
    Outcome o = run("scenario", "--help");
    assertThat(o.code()).isZero();
    assertThat(o.out()).contains("stampede", "redis-outage", "penetration", "hot-key", "cold-start", "purge-storm",
        "--write-ratio", "--at");
  }

  @Test
  void compareCommandPrintsRatiosAndWritesTheChart(@TempDir Path dir) throws Exception {
    String a = "{\"scenario\":\"steady\",\"totals\":{\"throughput\":100.0,\"requests\":1000,\"errors\":0},"
        + "\"latencyMs\":{\"read\":{\"p99Ms\":4.0}}}";
    String b = a.replace("100.0", "300.0").replace("4.0", "2.0");
    Files.writeString(dir.resolve("a.json"), a);
    Files.writeString(dir.resolve("b.json"), b);
    Outcome o = run("compare", dir.resolve("a.json").toString(), dir.resolve("b.json").toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("3.000x").contains("0.500x");
    assertThat(dir.resolve("b-compare.png")).exists();

    Files.writeString(dir.resolve("c.json"), "{\"not\":\"a result\"}");
    Outcome bad = run("compare", dir.resolve("a.json").toString(), dir.resolve("c.json").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("not a hotset-load result");
  }
}
