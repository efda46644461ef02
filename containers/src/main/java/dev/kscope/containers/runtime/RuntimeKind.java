package dev.kscope.containers.runtime;

import dev.kscope.core.KscopeException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The container runtimes kscope talks to, the API each speaks and where its socket usually is. */
public enum RuntimeKind {
    CONTAINERD("containerd", Api.CRI, "/run/containerd/containerd.sock"),
    CRIO("cri-o", Api.CRI, "/run/crio/crio.sock"),
    DOCKER("docker", Api.DOCKER, "/var/run/docker.sock"),
    PODMAN("podman", Api.DOCKER, "/run/podman/podman.sock");

    public enum Api { CRI, DOCKER }

    private final String id;
    private final Api api;
    private final Path defaultSocket;

    RuntimeKind(String id, Api api, String defaultSocket) {
        this.id = id;
        this.api = api;
        this.defaultSocket = Path.of(defaultSocket);
    }

    public String id() {
        return id;
    }

    public Api api() {
        return api;
    }

    public Path defaultSocket() {
        return defaultSocket;
    }

    /** Parses a runtime name as users write it: containerd, cri-o (or crio), docker, podman. */
    public static RuntimeKind parse(String name) {
        var n = name.strip().toLowerCase(Locale.ROOT);
        for (var k : values()) {
            if (k.id.equals(n) || k.name().toLowerCase(Locale.ROOT).equals(n)) return k;
        }
        throw new KscopeException("unknown container runtime '" + name + "' (use one of "
                + Arrays.stream(values()).map(RuntimeKind::id).collect(Collectors.joining(", ")) + ")");
    }
}
