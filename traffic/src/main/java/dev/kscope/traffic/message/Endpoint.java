package dev.kscope.traffic.message;

import java.util.List;

/**
 * One side of a message. {@code pod}, {@code namespace}, {@code service} (a name in {@code namespace}: the one serving
 * this port) and {@code portName} (that service port's name) are null when no resolver knows them; {@code services}
 * lists every service selecting the pod (best first), empty when none is known.
 */
public record Endpoint(String ip, int port, String pod, String namespace, String service, String portName, List<String> services) {
    public Endpoint {
        services = services == null ? List.of() : List.copyOf(services);
    }

    public Endpoint(String ip, int port, String pod, String namespace) {
        this(ip, port, pod, namespace, null, null, List.of());
    }

    /** {@code namespace/pod:port}, else {@code namespace/svc/service:port} (a ClusterIP), else {@code ip:port}. */
    public String display() {
        if (pod != null) return qualified(pod) + ":" + port;
        if (service != null) return qualified("svc/" + service) + ":" + port;
        return address();
    }

    /** {@code ip:port}, IPv6 in brackets. */
    public String address() {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }

    /** {@code namespace/service}, with {@code :portName} when the port is a named service port; empty when unknown. */
    public String serviceDisplay() {
        if (service == null) return "";
        return qualified(service) + (portName == null ? "" : ":" + portName);
    }

    private String qualified(String name) {
        return (namespace == null ? "" : namespace + "/") + name;
    }
}
