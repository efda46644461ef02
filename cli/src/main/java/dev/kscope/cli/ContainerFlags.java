package dev.kscope.cli;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.core.KscopeException;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The flags every command that looks at containers shares: which runtimes to ask, Kubernetes enrichment, and the
 * kubectl-style selector (-n/-A/-p/-c/-l/--host). A picocli mixin: {@code @Mixin ContainerFlags containers;}.
 */
public final class ContainerFlags {
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

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only pods in this Kubernetes namespace.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Every namespace, and containers outside Kubernetes (the default).")
    boolean allNamespaces;

    @Option(names = {"-p", "--podname"}, paramLabel = "POD", description = "Only this pod.")
    String podName;

    @Option(names = {"-c", "--containername"}, paramLabel = "NAME", description = "Only containers with this name.")
    String containerName;

    @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR",
            description = "Label selector on pod and container labels: k=v, k!=v, k, !k, 'k in (a,b)', comma-separated.")
    String labels;

    @Option(names = "--host", description = "Only processes outside any container.")
    boolean host;

    public ContainerSelector selector() {
        if (allNamespaces && namespace != null) {
            throw new KscopeException("both -n " + namespace + " and -A given: they contradict (use one of them)");
        }
        if (host && (namespace != null || podName != null || containerName != null || labels != null)) {
            throw new KscopeException("--host selects processes outside containers: it can't go with -n/-p/-c/-l (drop one side)");
        }
        return new ContainerSelector(allNamespaces ? null : namespace, podName, containerName, ContainerSelector.parseLabels(labels), host);
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
        var mode = noKubernetes ? ContainerCollectionOptions.KubernetesMode.OFF
                : kubeconfig != null ? ContainerCollectionOptions.KubernetesMode.ON : ContainerCollectionOptions.KubernetesMode.AUTO;
        return ContainerCollectionOptions.defaults().withRuntimes(endpoints).withKubernetes(mode, kubeconfig);
    }

    private static java.util.Optional<Path> nullable(Path p) {
        return java.util.Optional.ofNullable(p);
    }
}
