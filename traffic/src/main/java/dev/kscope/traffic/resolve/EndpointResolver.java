package dev.kscope.traffic.resolve;

/**
 * Attributes an IP address to a pod. The containers module provides the real one (pod IPs of the node);
 * {@link #NONE} leaves endpoints as bare addresses.
 */
@FunctionalInterface
public interface EndpointResolver {
    /** The pod owning {@code ip}, or null. Called once per connection, not per packet. */
    PodRef resolve(String ip);

    record PodRef(String namespace, String pod) {
    }

    EndpointResolver NONE = ip -> null;
}
