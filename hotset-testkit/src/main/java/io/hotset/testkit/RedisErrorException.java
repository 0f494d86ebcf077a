package io.hotset.testkit;

/** Thrown by {@link RedisServer#command(String...)} when Redis answers with an error reply ({@code -ERR ...}). */
public class RedisErrorException extends RuntimeException {
    private final String reply;

    /** An exception for error reply {@code reply} (without the leading {@code -}) to {@code command}. */
    public RedisErrorException(String reply, String command) {
        super("Redis replied with an error to " + command + ": " + reply);
        this.reply = reply;
    }

    /** The error reply without the leading {@code -}, e.g. {@code "ERR unknown command 'FOO' ..."}. */
    public String reply() {
        return reply;
    }
}
