package io.hotset;

/** The root of the exceptions the engine throws; unchecked, always naming region and key. */
public class HotsetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HotsetException(String message) {
    super(message);
  }

  public HotsetException(String message, Throwable cause) {
    super(message, cause);
  }
}
