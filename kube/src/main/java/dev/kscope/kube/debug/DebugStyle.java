package dev.kscope.kube.debug;

/** The three ways to debug, as kubectl names them: each profile treats them differently. */
public enum DebugStyle {
    /** An ephemeral container added to the running pod. */
    EPHEMERAL,
    /** A copy of the pod with a debug container added or a container changed. */
    POD_COPY,
    /** A new pod on a node, in the node's namespaces. */
    NODE
}
