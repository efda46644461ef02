package dev.kscope.core.event;

import java.util.Map;

/**
 * Where an event came from: the container and, on Kubernetes, the pod. Filled by the enrichment stage from the
 * event's mount (or network) namespace; null fields mean "not known" (e.g. no pod on a bare container host).
 */
public record ContainerInfo(String runtime, String containerId, String containerName, String image,
                            String namespace, String pod, String podUid, Map<String, String> podLabels,
                            String owner, String node) {
    public ContainerInfo {
        podLabels = podLabels == null ? Map.of() : Map.copyOf(podLabels);
    }

    /** The name users know the container by: the Kubernetes container name, else the runtime's. */
    public String displayName() {
        return containerName;
    }
}
