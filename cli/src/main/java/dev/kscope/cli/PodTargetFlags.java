package dev.kscope.cli;

import dev.kscope.capture.CaptureTarget;
import dev.kscope.capture.ContainerPodTargets;
import dev.kscope.capture.PodTargetResolver;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The pods a packet-reading command (capture, traffic) works on, found among this node's containers: a picocli mixin. */
final class PodTargetFlags {
    @Mixin
    RuntimeFlags runtime = new RuntimeFlags();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Kubernetes namespace of the pods")
    String namespace;

    @Option(names = {"-p", "--pod"}, paramLabel = "POD", description = "a pod on this node (repeatable)")
    List<String> pods = new ArrayList<>();

    @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "every pod on this node matching this label selector")
    String selector;

    @Option(names = {"-A", "--all-namespaces"}, description = "select pods in all namespaces")
    boolean allNamespaces;

    /** True when any pod was asked for. */
    boolean any() {
        return !pods.isEmpty() || selector != null || allNamespaces;
    }

    /** One target per selected pod, entered through {@code container} (null: the pod's first running one). */
    List<CaptureTarget> resolve(String container) {
        return new ContainerPodTargets(runtime.options())
                .resolve(new PodTargetResolver.PodQuery(namespace, pods, container, selector, allNamespaces));
    }
}
