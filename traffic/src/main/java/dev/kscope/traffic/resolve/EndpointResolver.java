package dev.kscope.traffic.resolve;

import dev.kscope.traffic.message.Endpoint;

import java.util.List;
import java.util.Map;

/**
 * Names an IP address: the pod owning it and the services selecting that pod, or the service owning a ClusterIP.
 * The CLI's reads this node's pod IPs and, when a Kubernetes API is reachable, the cluster's Services,
 * EndpointSlices and Pods; {@link #NONE} leaves endpoints as bare addresses.
 */
@FunctionalInterface
public interface EndpointResolver {
    /** What {@code ip} is, or null. The analyzer asks once per address until {@link #generation()} moves. */
    Name resolve(String ip);

    /** Changes whenever an earlier answer may have changed (e.g. a service was created): cached names are dropped then. */
    default long generation() {
        return 0;
    }

    /** A service and its ports (number to port name): the service ports for a ClusterIP, the target ports for a pod. */
    record ServicePorts(String name, Map<Integer, String> ports) {
    }

    /**
     * A pod ({@code pod} set) with the services selecting it, best first; or a ClusterIP ({@code pod} null, its one
     * service). {@code namespace} is the pod's or the service's.
     */
    record Name(String namespace, String pod, List<ServicePorts> services) {
        public static Name pod(String namespace, String pod) {
            return new Name(namespace, pod, List.of());
        }

        /**
         * This name on a port: the service is the first one serving that port (so a call to a pod's port 8080 is
         * named by the service forwarding to 8080), else the first one (a client's ephemeral port serves nothing).
         */
        public Endpoint on(String ip, int port) {
            ServicePorts service = null;
            String portName = null;
            for (var s : services) {
                var name = s.ports().get(port);
                if (name != null) {
                    service = s;
                    portName = name.isEmpty() ? null : name;
                    break;
                }
            }
            if (service == null && !services.isEmpty()) service = services.getFirst();
            return new Endpoint(ip, port, pod, namespace, service == null ? null : service.name(), portName,
                    services.stream().map(ServicePorts::name).toList());
        }
    }

    EndpointResolver NONE = ip -> null;
}
