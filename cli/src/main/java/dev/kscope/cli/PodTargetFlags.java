package dev.kscope.cli;

import dev.kscope.capture.Capture;
import dev.kscope.capture.CaptureOptions;
import dev.kscope.capture.CaptureTarget;
import dev.kscope.capture.ContainerPodTargets;
import dev.kscope.capture.PcapngOutput;
import dev.kscope.capture.PodFollower;
import dev.kscope.capture.PodTargetResolver;
import dev.kscope.core.KscopeException;
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

    @Option(names = "--no-follow", description = "capture only the selected pods running at the start; by default pods that start later "
            + "and match (-l/-n/-A), and a -p pod created again under its name, are captured too")
    boolean noFollow;

    /** True when any pod was asked for. */
    boolean any() {
        return !pods.isEmpty() || selector != null || allNamespaces;
    }

    /** One target per selected pod, entered through {@code container} (null: the pod's first running one). */
    List<CaptureTarget> resolve(String container) {
        return new ContainerPodTargets(runtime.options()).resolve(query(container));
    }

    private PodTargetResolver.PodQuery query(String container) {
        return new PodTargetResolver.PodQuery(namespace, pods, container, selector, allNamespaces);
    }

    /** A started capture, and what keeps its pods in step with the node (null with --no-follow or no pods). */
    record Started(Capture capture, PodFollower follower) implements AutoCloseable {
        @Override
        public void close() {
            if (follower != null) follower.close();
        }
    }

    /**
     * Starts capturing the selected pods (entered through {@code container}) and the {@code fixed} targets into
     * {@code output}. Pods that start later and match join the capture, unless --no-follow; then only the pods
     * running now are captured, and the capture ends when they are all gone.
     */
    Started start(String container, List<CaptureTarget> fixed, CaptureOptions options, PcapngOutput output) {
        if (noFollow && !any()) throw new KscopeException("--no-follow is about pods: it goes with -p, -l or -A (drop it)", null, 2);
        if (!any() || noFollow) {
            var targets = new ArrayList<CaptureTarget>();
            if (any()) targets.addAll(resolve(container));
            targets.addAll(fixed);
            return new Started(Capture.start(targets, options, output), null);
        }
        var follower = PodFollower.open(runtime.options(), query(container));
        Capture capture = null;
        try {
            capture = Capture.startOpen(options, output);
            for (var t : fixed) capture.add(t);
            follower.start(capture, notice -> System.err.println("kscope: " + notice));
            return new Started(capture, follower);
        } catch (RuntimeException e) {
            follower.close();
            if (capture != null) capture.close();
            else output.close();
            throw e;
        }
    }
}
