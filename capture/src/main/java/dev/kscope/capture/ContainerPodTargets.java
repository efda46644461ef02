package dev.kscope.capture;

import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.containers.PodAddresses;
import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Finds the pods to capture among this node's containers: one target per pod (its containers share the network
 * namespace), entered through a running container's /proc/PID/ns/net.
 */
public final class ContainerPodTargets implements PodTargetResolver {
    private final ContainerCollectionOptions options;

    public ContainerPodTargets() {
        this(ContainerCollectionOptions.defaults());
    }

    public ContainerPodTargets(ContainerCollectionOptions options) {
        this.options = options;
    }

    @Override
    public List<CaptureTarget> resolve(PodQuery q) {
        try (var collection = ContainerCollection.start(options)) {
            var byPod = podsNow(collection, q, false);
            if (byPod.isEmpty()) {
                throw new KscopeException("the selected pods have no running container on this node (kscope ps shows their state)");
            }
            return byPod.stream().map(ContainerPodTargets::target).toList();
        }
    }

    /**
     * The selected pods running now, one container each (the first running one). Named pods (-p) that are not here
     * are errors; a selector that matches nothing is one unless {@code noneIsFine} (a capture that waits for pods).
     */
    static List<Container> podsNow(ContainerCollection collection, PodQuery q, boolean noneIsFine) {
        var selected = new ArrayList<Container>();
        if (q.pods().isEmpty()) {
            selected.addAll(collection.select(selectors(q).getFirst()));
            if (selected.isEmpty() && !noneIsFine) {
                throw new KscopeException("no pod on this node matches " + describe(q)
                        + " (list them with: kscope ps" + (namespace(q) == null ? "" : " -n " + namespace(q)) + ")");
            }
        } else {
            for (var selector : selectors(q)) {
                var found = collection.select(selector);
                if (found.isEmpty()) throw notFound(collection, namespace(q), selector.podName(), q.container());
                selected.addAll(found);
            }
        }
        var byPod = new LinkedHashMap<String, Container>(); // the first running container of each pod
        for (var c : selected) if (running(c)) byPod.putIfAbsent(podKey(c), c);
        return List.copyOf(byPod.values());
    }

    /** One selector per -p pod, or one for the whole selection. */
    static List<ContainerSelector> selectors(PodQuery q) {
        var labels = ContainerSelector.parseLabels(q.selector());
        if (q.pods().isEmpty()) return List.of(new ContainerSelector(namespace(q), null, q.container(), labels, false));
        return q.pods().stream().map(pod -> new ContainerSelector(namespace(q), pod, q.container(), labels, false)).toList();
    }

    static boolean running(Container c) {
        return c.pid() > 0 && c.netns() != 0;
    }

    /** A pod, not its name: a pod deleted and created again under the same name is another pod. */
    static String podKey(Container c) {
        return c.namespace() + "/" + c.podName() + "/" + c.podUid();
    }

    /** The pod of {@code c}, entered through its process's network namespace. */
    static CaptureTarget target(Container c) {
        return CaptureTarget.pod("/proc/" + c.pid() + "/ns/net", c.namespace(), c.podName(), c.name(),
                PodAddresses.addresses(c.pid()).stream().findFirst().orElse(null), c.node());
    }

    private static String namespace(PodQuery q) {
        return q.allNamespaces() ? null : q.namespace();
    }

    private static KscopeException notFound(ContainerCollection collection, String namespace, String pod, String container) {
        var anyNamespace = collection.select(new ContainerSelector(null, pod, null, List.of(), false));
        if (container != null && !collection.select(new ContainerSelector(namespace, pod, null, List.of(), false)).isEmpty()) {
            return new KscopeException("pod " + pod + " has no container named " + container + " (kscope ps -p " + pod + " lists them)");
        }
        if (namespace != null && !anyNamespace.isEmpty()) {
            return new KscopeException("pod " + pod + " is not in namespace " + namespace + " but in " + anyNamespace.getFirst().namespace()
                    + " (use -n " + anyNamespace.getFirst().namespace() + ")");
        }
        return new KscopeException("pod " + pod + (namespace == null ? "" : " in namespace " + namespace)
                + " is not running on this node (run kscope where it runs, e.g. as the DaemonSet; kscope ps lists this node's pods)");
    }

    /** The selection in the user's words, e.g. "-l app=web in namespace shop". */
    static String describe(PodQuery q) {
        var pods = q.pods().isEmpty() ? "" : "-p " + String.join(" -p ", q.pods()) + " ";
        return pods + (q.selector() == null ? "" : "-l " + q.selector() + " ")
                + (namespace(q) == null ? "in any namespace" : "in namespace " + namespace(q));
    }
}
