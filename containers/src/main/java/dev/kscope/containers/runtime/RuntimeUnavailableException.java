package dev.kscope.containers.runtime;

/** The runtime did not answer (socket missing, refused, timed out). What kscope already knows stays valid. */
public final class RuntimeUnavailableException extends RuntimeException {
    public RuntimeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
