package io.hotset;

/** A value could not be encoded (nothing was stored) or cached bytes could not be decoded. */
public class CodecException extends HotsetException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
