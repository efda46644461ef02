package dev.kscope.containers.runtime;

import java.nio.file.Path;

/** A runtime and the socket to reach it on. */
public record RuntimeEndpoint(RuntimeKind kind, Path socket) {
    public static RuntimeEndpoint defaultFor(RuntimeKind kind) {
        return new RuntimeEndpoint(kind, kind.defaultSocket());
    }

    @Override
    public String toString() {
        return kind.id() + " at " + socket;
    }
}
