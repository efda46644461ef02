package dev.kscope.containers.runtime;

import dev.kscope.containers.Container;

import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One container runtime's API. Methods throw {@link RuntimeUnavailableException} when the runtime does not answer,
 * so callers can tell "not a container" from "cannot ask".
 */
public sealed interface RuntimeClient extends AutoCloseable permits CriRuntime, DockerApiRuntime {

    RuntimeEndpoint endpoint();

    /** The runtime's name as shown to users (containerd, cri-o, docker, podman). */
    String name();

    /** IDs of the running containers. */
    Set<String> runningIds();

    /**
     * One container's metadata, its PID (0 while it is being created: the caller finds the PID from the cgroup), no
     * namespaces yet. Empty if this runtime has no such live container (e.g. a pod sandbox ID, or it exited).
     */
    Optional<Container> inspect(String id);

    /**
     * Follows the runtime's event stream on a thread of its own, calling back with container IDs; returns false if
     * this API has no event stream (CRI before containerd 1.7), then polling and cgroup watching are all there is.
     */
    default boolean watch(Consumer<String> started, Consumer<String> stopped) {
        return false;
    }

    @Override
    void close();

    static RuntimeClient connect(RuntimeEndpoint endpoint) {
        return switch (endpoint.kind().api()) {
            case CRI -> new CriRuntime(endpoint);
            case DOCKER -> new DockerApiRuntime(endpoint);
        };
    }
}
