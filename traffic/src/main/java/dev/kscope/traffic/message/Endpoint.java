package dev.kscope.traffic.message;

/**
 * One side of a message. {@code pod}, {@code namespace}, {@code service} (a name in {@code namespace}) and
 * {@code portName} (the service port's name) are null when no resolver knows them.
 */
public record Endpoint(String ip, int port, String pod, String namespace, String service, String portName) {
    public Endpoint(String ip, int port, String pod, String namespace) {
        this(ip, port, pod, namespace, null, null);
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
