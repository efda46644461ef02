package dev.kscope.cli;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.core.KscopeException;
import picocli.CommandLine.Mixin;
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
    @Mixin
    RuntimeFlags runtime = new RuntimeFlags();

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
        return runtime.options();
    }

}
