package dev.kscope.containers;

/**
 * Told about containers as they come and go, e.g. to keep the kernel's map of allowed mount namespaces up to date.
 * Called on the collection's own thread: return quickly. {@code added} may be called again for a known container ID
 * when its metadata got richer (its runtime came back, or the Kubernetes API answered).
 */
public interface ContainerListener {
    void added(Container container);

    void removed(Container container);
}
