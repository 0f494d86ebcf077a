package io.hotset.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what one logger receives through {@link System.Logger} (backed by java.util.logging in
 * tests), from construction until {@link #close()}: for tests that assert what was logged.
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;

  /** Starts recording the logger named {@code loggerName} (usually a class's name). */
  public LogCapture(String loggerName) {
    this.logger = Logger.getLogger(loggerName);
    setLevel(Level.ALL);
    logger.addHandler(this);
  }

  /** Messages logged at java.util.logging SEVERE (System.Logger ERROR), in order. */
  public List<String> errors() {
    return records.stream().filter(r -> r.getLevel() == Level.SEVERE).map(LogRecord::getMessage).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
