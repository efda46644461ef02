package dev.kscope.cli;

import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.PodAddresses;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.net.InetAddress;

/**
 * Names the pod behind an IP address from this node's containers (pod IPs read from their network namespaces),
 * for the traffic analyzer. Quiet when no runtime answers: analyzing a file on a laptop must not warn about it.
 */
final class PodEndpoints implements EndpointResolver, AutoCloseable {
    private final ContainerCollection collection;
    private final PodAddresses addresses;

    private PodEndpoints(ContainerCollection collection) {
        this.collection = collection;
        this.addresses = new PodAddresses(collection);
    }

    static PodEndpoints start(ContainerCollectionOptions options) {
        return new PodEndpoints(ContainerCollection.start(options.withProcFallback(false).withWarnings(w -> {})));
    }

    @Override
    public PodRef resolve(String ip) {
        String normalized;
        try {
            normalized = InetAddress.ofLiteral(ip).getHostAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return null;
        }
        return addresses.owner(normalized).filter(c -> c.inPod())
                .map(c -> new PodRef(c.namespace(), c.podName())).orElse(null);
    }

    @Override
    public void close() {
        collection.close();
    }
}
