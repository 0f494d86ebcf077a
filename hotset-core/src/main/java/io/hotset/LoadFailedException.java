package io.hotset;

/** The loader threw and no stale value could be served in its place; the cause is the loader's. */
public class LoadFailedException extends HotsetException {
  private static final long serialVersionUID = 1L;

  public LoadFailedException(String region, String key, Throwable cause) {
    super("region '" + region + "': loader failed for key '" + key + "': " + cause, cause);
  }
}
