package dev.kscope.capture;

import java.util.List;

/**
 * Where to capture: a network namespace and some of its interfaces, plus who lives there (for the pcapng interface
 * names and options). One capture can take several targets; each target's packets are read by its own thread.
 *
 * @param netns      a network namespace file ({@code /run/netns/X}, {@code /proc/PID/ns/net}); null for the
 *                   namespace kscope runs in (the host)
 * @param interfaces interface names in that namespace; empty means every interface that is up, except loopback;
 *                   {@code [any]} every interface that is up, loopback too (tcpdump's {@code -i any}, but each
 *                   interface gets its own pcapng interface, so Wireshark shows its name and link-layer header)
 * @param namespace  Kubernetes namespace of the pod, or null
 * @param pod        pod name, or null
 * @param container  container name the namespace was found through, or null
 * @param podIp      the pod's IP, or null
 * @param node       node name, or null
 */
public record CaptureTarget(String netns, List<String> interfaces, String namespace, String pod, String container,
                            String podIp, String node) {

    /** The interface name that means every interface, as in tcpdump. */
    public static final String ANY = "any";

    public CaptureTarget {
        interfaces = List.copyOf(interfaces);
    }

    /** Host interfaces, e.g. {@code host(List.of("eth0"))}. */
    public static CaptureTarget host(List<String> interfaces) {
        return new CaptureTarget(null, interfaces, null, null, null, null, null);
    }

    /** Interfaces of a network namespace file; empty = all that are up except loopback. */
    public static CaptureTarget netns(String path, List<String> interfaces) {
        return new CaptureTarget(path, interfaces, null, null, null, null, null);
    }

    public static CaptureTarget pod(String netns, String namespace, String pod, String container, String podIp, String node) {
        return new CaptureTarget(netns, List.of(), namespace, pod, container, podIp, node);
    }

    public boolean isPod() {
        return pod != null;
    }

    /** The pcapng interface name: {@code NS/POD/IFACE} for pods, {@code NETNS/IFACE} for a namespace, {@code IFACE} on the host. */
    String interfaceName(String iface) {
        if (isPod()) return namespace + "/" + pod + "/" + iface;
        if (netns == null) return iface;
        var p = java.nio.file.Path.of(netns);
        var label = p.startsWith("/proc") && p.getNameCount() >= 2 ? "pid" + p.getName(1) : p.getFileName().toString();
        return label + "/" + iface;
    }

    String description(String iface) {
        if (isPod()) {
            return "pod " + namespace + "/" + pod + (container != null ? " (container " + container + ")" : "")
                    + " interface " + iface + (node != null ? " on node " + node : "");
        }
        return netns == null ? "host interface " + iface : "interface " + iface + " in network namespace " + netns;
    }

    String comment() {
        var s = new StringBuilder();
        if (namespace != null) s.append("namespace=").append(namespace).append(' ');
        if (pod != null) s.append("pod=").append(pod).append(' ');
        if (container != null) s.append("container=").append(container).append(' ');
        if (podIp != null) s.append("ip=").append(podIp).append(' ');
        if (node != null) s.append("node=").append(node).append(' ');
        if (netns != null) s.append("netns=").append(netns).append(' ');
        return s.toString().strip();
    }

    /** How the user named this target, for messages. */
    public String label() {
        if (isPod()) return "pod " + namespace + "/" + pod;
        return netns == null ? "host interfaces " + String.join(",", interfaces) : "network namespace " + netns;
    }
}
