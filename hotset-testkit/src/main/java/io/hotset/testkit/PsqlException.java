package io.hotset.testkit;

/** Thrown when {@code psql} run by {@link PostgresServer#psql(String)} fails; the message holds its stderr. */
public class PsqlException extends RuntimeException {
    private final int exitCode;
    private final String stderr;

    /** An exception for a psql run that exited with {@code exitCode} and printed {@code stderr}. */
    public PsqlException(String message, int exitCode, String stderr) {
        super(message);
        this.exitCode = exitCode;
        this.stderr = stderr;
    }

    /** psql's exit code (1 fatal, 2 connection failure, 3 SQL error); -1 if it could not be run. */
    public int exitCode() {
        return exitCode;
    }

    /** What psql printed on stderr. */
    public String stderr() {
        return stderr;
    }
}
