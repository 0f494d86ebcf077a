package io.hotset.testkit;

/**
 * Thrown when a server process cannot be started or does not become ready in time. The message carries
 * the command line and the tail of the server's log, which is usually all that is needed to see why.
 */
public class ServerStartException extends RuntimeException {
    /** An exception with this message. */
    public ServerStartException(String message) {
        super(message);
    }

    /** An exception with this message and cause. */
    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
