package io.hotset.internal;

import io.hotset.spi.DeadLetter;
import io.hotset.spi.DeadLetterSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Dead letters appended to a local file, one tab-separated line each: sequence, key, value, reason. */
public final class FileDeadLetters implements DeadLetterSink {
  private final Path file;

  public FileDeadLetters(Path file) {
    this.file = file;
  }

  @Override
  public synchronized void deadLetter(DeadLetter letter) throws IOException {
    Files.writeString(file, line(letter) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  static String line(DeadLetter letter) {
    return letter.sequence() + "\t" + letter.key() + "\t" + letter.valueText() + "\t" + letter.reason();
  }

  @Override
  public String toString() {
    return "dead-letter file " + file;
  }
}
