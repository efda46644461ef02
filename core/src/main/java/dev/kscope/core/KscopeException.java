package dev.kscope.core;

/**
 * A failure the user can act on. The message is one line: what failed, why, and what to do,
 * e.g. {@code cannot load BPF program: missing CAP_BPF (run as root or grant CAP_BPF,CAP_PERFMON)}.
 * The CLI prints {@code kscope: <message>} and exits with {@link #exitCode()}; the stack trace only with --debug.
 */
public class KscopeException extends RuntimeException {
    private final int exitCode;

    public KscopeException(String message) {
        this(message, null, 1);
    }

    public KscopeException(String message, Throwable cause) {
        this(message, cause, 1);
    }

    public KscopeException(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
