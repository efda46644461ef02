package dev.kscope.traffic.message;

/** One side of a message; pod and namespace are null when no resolver knows the address. */
public record Endpoint(String ip, int port, String pod, String namespace) {
    /** {@code namespace/pod:port} when known, else {@code ip:port}. */
    public String display() {
        if (pod != null) return (namespace == null ? "" : namespace + "/") + pod + ":" + port;
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
}
