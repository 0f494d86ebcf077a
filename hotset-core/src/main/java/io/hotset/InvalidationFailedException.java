package io.hotset;

/**
 * A confirmed invalidation ({@link Hotset#invalidateConfirmed}) could not confirm every step:
 * the shared tier did not acknowledge the delete, or the broadcast was not published. This
 * process's L1 was cleared regardless; the call is idempotent, so retry it.
 */
public class InvalidationFailedException extends HotsetException {
  private static final long serialVersionUID = 1L;

  public InvalidationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
