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
        var labels = ContainerSelector.parseLabels(q.selector());
        try (var collection = ContainerCollection.start(options)) {
            var namespace = q.allNamespaces() ? null : q.namespace();
            var selected = new ArrayList<Container>();
            if (q.pods().isEmpty()) {
                selected.addAll(collection.select(new ContainerSelector(namespace, null, q.container(), labels, false)));
                if (selected.isEmpty()) {
                    throw new KscopeException("no pod on this node matches " + describe(namespace, q.selector())
                            + " (list them with: kscope ps" + (namespace == null ? "" : " -n " + namespace) + ")");
                }
            } else {
                for (var pod : q.pods()) {
                    var found = collection.select(new ContainerSelector(namespace, pod, q.container(), labels, false));
                    if (found.isEmpty()) throw notFound(collection, namespace, pod, q.container());
                    selected.addAll(found);
                }
            }
            var byPod = new LinkedHashMap<String, Container>(); // the first running container of each pod
            for (var c : selected) {
                if (c.pid() > 0 && c.netns() != 0) byPod.putIfAbsent(c.namespace() + "/" + c.podName() + "/" + c.podUid(), c);
            }
            if (byPod.isEmpty()) {
                throw new KscopeException("the selected pods have no running container on this node (kscope ps shows their state)");
            }
            return byPod.values().stream().map(c -> CaptureTarget.pod("/proc/" + c.pid() + "/ns/net", c.namespace(), c.podName(),
                    c.name(), PodAddresses.addresses(c.pid()).stream().findFirst().orElse(null), c.node())).toList();
        }
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

    private static String describe(String namespace, String selector) {
        return (selector == null ? "" : "-l " + selector + " ") + (namespace == null ? "in any namespace" : "in namespace " + namespace);
    }
}
