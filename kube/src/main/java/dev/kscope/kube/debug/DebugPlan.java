package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;

/** What {@code kscope debug} will send, computed before anything is sent (and printed as is by --dry-run=client). */
public sealed interface DebugPlan {
    String namespace();

    /** The pod whose container is attached to. */
    String podName();

    /** The container to wait for and attach to; null when there is none (a --set-image-only copy). */
    String containerName();

    /** Lines to tell the user (kubectl's "Defaulting debug container name to …" and warnings). */
    List<String> notices();

    /** A strategic-merge patch for the target pod's {@code ephemeralcontainers} subresource. */
    record Ephemeral(String namespace, String podName, EphemeralContainer container, String patch,
                     List<String> notices) implements DebugPlan {
        @Override
        public String containerName() {
            return container.getName();
        }
    }

    /** A plan that creates a pod: its namespace and name are the new pod's. */
    sealed interface NewPod extends DebugPlan {
        Pod pod();

        @Override
        default String namespace() {
            return pod().getMetadata().getNamespace();
        }

        @Override
        default String podName() {
            return pod().getMetadata().getName();
        }
    }

    /** A copy of {@code original} to create; with {@code replace}, the original is deleted once the copy runs. */
    record Copy(Pod pod, String containerName, Pod original, boolean replace, List<String> notices) implements NewPod {
    }

    /** A pod to create on a node, in the node's namespaces. */
    record Node(Pod pod, String containerName, String nodeName, List<String> notices) implements NewPod {
    }
}
