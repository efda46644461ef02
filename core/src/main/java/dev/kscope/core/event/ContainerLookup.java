package dev.kscope.core.event;

/**
 * The enrichment stage's source of truth, implemented by the container collection.
 * {@link #lookup} may block briefly (bounded) for a namespace it has not seen yet, e.g. the entrypoint of a
 * container that started a moment ago: events are held rather than printed bare.
 */
public interface ContainerLookup {
    /** The container whose mount namespace is {@code mntnsId}, or null for a host process. */
    ContainerInfo lookup(long mntnsId, int pid);

    ContainerLookup NONE = (mntnsId, pid) -> null;
}
