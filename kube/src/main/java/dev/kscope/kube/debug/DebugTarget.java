package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;

/** What to debug: {@code POD}, {@code pod/POD} or {@code node/NODE}, as kubectl debug accepts them. */
public sealed interface DebugTarget {
    String name();

    record PodTarget(String name) implements DebugTarget {
    }

    record NodeTarget(String name) implements DebugTarget {
    }

    static DebugTarget parse(String arg) {
        var slash = arg.indexOf('/');
        var kind = slash < 0 ? "pod" : arg.substring(0, slash);
        var name = slash < 0 ? arg : arg.substring(slash + 1);
        if (name.isBlank()) throw new KscopeException("'" + arg + "' names no object (write POD, pod/POD or node/NODE)");
        return switch (kind) {
            case "pod", "pods", "po" -> new PodTarget(name);
            case "node", "nodes", "no" -> new NodeTarget(name);
            default -> throw new KscopeException("cannot debug '" + kind + "' objects (debug a pod with POD or pod/POD, a node with node/NODE)");
        };
    }
}
