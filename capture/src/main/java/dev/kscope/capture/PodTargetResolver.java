package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import java.util.List;
import java.util.ServiceLoader;

/**
 * Turns the pod flags of {@code kscope capture} into capture targets: for each selected pod running on this node,
 * its network namespace file and metadata ({@link CaptureTarget#pod}). Implemented on top of the container
 * collection and registered in {@code META-INF/services/dev.kscope.capture.PodTargetResolver}.
 */
public interface PodTargetResolver {

    /**
     * What the user asked for.
     *
     * @param namespace     -n, null for the current context's namespace
     * @param pods          -p, possibly several; empty when a selector or -A chooses
     * @param container     -c NAME: which container's namespace to enter, null for the pod's first running one
     * @param selector      -l, a label selector, or null
     * @param allNamespaces -A
     */
    record PodQuery(String namespace, List<String> pods, String container, String selector, boolean allNamespaces) {}

    /**
     * The targets, one per pod. Throws a KscopeException naming the cause and the fix when a pod does not exist, runs
     * on another node, or has no running container, or when the selector matches no pod.
     */
    List<CaptureTarget> resolve(PodQuery query);

    /** The registered resolver, or one that explains that pod capture is not available in this build. */
    static PodTargetResolver load() {
        return ServiceLoader.load(PodTargetResolver.class).findFirst().orElse(query -> {
            throw new KscopeException("cannot capture pods: this kscope build has no container collection to find them "
                    + "(capture the pod's network namespace directly: --pid PID_OF_A_CONTAINER_PROCESS or --netns /proc/PID/ns/net)");
        });
    }
}
