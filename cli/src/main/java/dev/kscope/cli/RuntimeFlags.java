package dev.kscope.cli;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Which container runtimes to ask and whether to ask the Kubernetes API: a picocli mixin, part of {@link ContainerFlags}. */
public final class RuntimeFlags {
    @Option(names = "--runtimes", split = ",", paramLabel = "RUNTIME",
            description = "Container runtimes to ask: containerd, cri-o, docker, podman (default: every one whose socket exists).")
    List<String> runtimes = new ArrayList<>();

    @Option(names = "--containerd-socket", paramLabel = "PATH", description = "containerd's socket (default /run/containerd/containerd.sock).")
    Path containerdSocket;

    @Option(names = "--crio-socket", paramLabel = "PATH", description = "CRI-O's socket (default /run/crio/crio.sock).")
    Path crioSocket;

    @Option(names = "--docker-socket", paramLabel = "PATH", description = "Docker's socket (default /var/run/docker.sock).")
    Path dockerSocket;

    @Option(names = "--podman-socket", paramLabel = "PATH", description = "podman's Docker-API socket (default /run/podman/podman.sock).")
    Path podmanSocket;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Ask this cluster's API for pod owners and node names (default: $KUBECONFIG, ~/.kube/config or in-cluster, if present).")
    Path kubeconfig;

    @Option(names = "--no-kubernetes", description = "Don't ask the Kubernetes API server anything.")
    boolean noKubernetes;

    /** True when the user named runtimes or sockets (then a missing one is worth a warning). */
    boolean explicit() {
        return !runtimes.isEmpty() || containerdSocket != null || crioSocket != null || dockerSocket != null || podmanSocket != null;
    }

    public ContainerCollectionOptions options() {
        var sockets = new java.util.EnumMap<RuntimeKind, Path>(RuntimeKind.class);
        for (var e : Map.of(RuntimeKind.CONTAINERD, nullable(containerdSocket), RuntimeKind.CRIO, nullable(crioSocket),
                RuntimeKind.DOCKER, nullable(dockerSocket), RuntimeKind.PODMAN, nullable(podmanSocket)).entrySet()) {
            e.getValue().ifPresent(p -> sockets.put(e.getKey(), p));
        }
        var kinds = new LinkedHashSet<RuntimeKind>();
        for (var r : runtimes) kinds.add(RuntimeKind.parse(r));
        if (kinds.isEmpty()) kinds.addAll(sockets.keySet()); // a socket flag alone names the runtime to ask
        var endpoints = kinds.stream().map(k -> new RuntimeEndpoint(k, sockets.getOrDefault(k, k.defaultSocket()))).toList();
        return ContainerCollectionOptions.defaults().withRuntimes(endpoints).withKubernetes(kubernetesMode(), kubeconfig);
    }

    /** Off with --no-kubernetes; with no kubeconfig anywhere, silently off unless --kubeconfig asked for one. */
    ContainerCollectionOptions.KubernetesMode kubernetesMode() {
        return noKubernetes ? ContainerCollectionOptions.KubernetesMode.OFF
                : kubeconfig != null ? ContainerCollectionOptions.KubernetesMode.ON : ContainerCollectionOptions.KubernetesMode.AUTO;
    }

    private static java.util.Optional<Path> nullable(Path p) {
        return java.util.Optional.ofNullable(p);
    }
}
