package dev.kscope.cli;

import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.PodAddresses;
import dev.kscope.containers.kubernetes.ClusterAddresses;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.net.InetAddress;
import java.util.List;

/**
 * Names the pod behind an IP address, for the traffic analyzer: first from this node's containers (pod IPs read from
 * their network namespaces), then, when a Kubernetes API answers, from the cluster (pods of other nodes, services
 * selecting a pod, the service behind a ClusterIP). Quiet when no runtime answers: analyzing a file on a laptop must
 * not warn about it.
 */
final class PodEndpoints implements EndpointResolver, AutoCloseable {
    private final ContainerCollection collection;
    private volatile PodAddresses addresses;
    private final ClusterAddresses cluster;
    /** Bumped when a container comes or goes on this node: a new pod may have an address a gone one had. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    private PodEndpoints(ContainerCollection collection, ClusterAddresses cluster) {
        this.collection = collection;
        this.addresses = new PodAddresses(collection);
        this.cluster = cluster;
        collection.addListener(new dev.kscope.containers.ContainerListener() {
            @Override
            public void added(dev.kscope.containers.Container c) {
                changes.incrementAndGet();
            }

            @Override
            public void removed(dev.kscope.containers.Container c) {
                // PodAddresses keeps addresses by network namespace inode, which the kernel gives the next namespace
                addresses = new PodAddresses(collection);
                changes.incrementAndGet();
            }
        });
    }

    /** {@code cluster}: the cluster's names, or null without a Kubernetes API. */
    static PodEndpoints start(ContainerCollectionOptions options, ClusterAddresses cluster) {
        // the cluster index names pods from the API: the collection need not ask it about owners too
        var node = options.withProcFallback(false).withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null).withWarnings(w -> {});
        return new PodEndpoints(ContainerCollection.start(node), cluster);
    }

    @Override
    public Name resolve(String ip) {
        String normalized;
        try {
            normalized = InetAddress.ofLiteral(ip).getHostAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return null;
        }
        var here = addresses.owner(normalized).filter(c -> c.inPod()).orElse(null);
        var there = cluster == null ? null : cluster.lookup(normalized).orElse(null);
        if (here == null && there == null) return null;
        var services = there == null ? List.<ServicePorts>of()
                : there.services().stream().map(s -> new ServicePorts(s.name(), s.ports())).toList();
        if (here == null) return new Name(there.namespace(), there.pod(), services);
        // this node's runtime is the first source for its pods; the cluster adds the services selecting them
        var sameNamespace = there != null && here.namespace().equals(there.namespace());
        return new Name(here.namespace(), here.podName(), sameNamespace ? services : List.of());
    }

    @Override
    public long generation() {
        return changes.get() + (cluster == null ? 0 : cluster.generation()); // both only grow
    }

    @Override
    public void close() {
        try {
            collection.close();
        } finally {
            if (cluster != null) cluster.close();
        }
    }
}
