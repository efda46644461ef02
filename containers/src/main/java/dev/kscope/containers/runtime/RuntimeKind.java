package dev.kscope.containers.runtime;

import dev.kscope.core.KscopeException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The container runtimes kscope talks to, the API each speaks and where its socket usually is. */
public enum RuntimeKind {
    CONTAINERD("containerd", Api.CRI, "/run/containerd/containerd.sock",
            "/run/k3s/containerd/containerd.sock", "/var/snap/microk8s/common/run/containerd.sock"),
    CRIO("cri-o", Api.CRI, "/run/crio/crio.sock"),
    DOCKER("docker", Api.DOCKER, "/var/run/docker.sock"),
    PODMAN("podman", Api.DOCKER, "/run/podman/podman.sock");

    public enum Api { CRI, DOCKER }

    private final String id;
    private final Api api;
    private final List<Path> knownSockets;

    RuntimeKind(String id, Api api, String... knownSockets) {
        this.id = id;
        this.api = api;
        this.knownSockets = Arrays.stream(knownSockets).map(Path::of).toList();
    }

    public String id() {
        return id;
    }

    public Api api() {
        return api;
    }

    /** The first of the runtime's usual sockets that exists (k3s and MicroK8s put containerd's elsewhere), else the standard one. */
    public Path defaultSocket() {
        return knownSockets.stream().filter(Files::exists).findFirst().orElse(knownSockets.getFirst());
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
