package io.hotset.writebehind;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what one class logs through System.Logger (backed by java.util.logging here). */
final class LogCapture extends Handler implements AutoCloseable {
  final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;

  LogCapture(Class<?> source) {
    this.logger = Logger.getLogger(source.getName());
    setLevel(Level.ALL);
    logger.addHandler(this);
  }

  /** Messages logged at java.util.logging SEVERE (System.Logger ERROR). */
  List<String> errors() {
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
