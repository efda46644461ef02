package dev.kscope.containers;

import dev.kscope.core.event.ContainerInfo;

import java.util.Map;

/**
 * A running container as kscope knows it. Kubernetes fields ({@code podName}, {@code namespace}, {@code podUid}) are
 * empty for a container outside Kubernetes; {@code name} is the Kubernetes container name in a pod, else the runtime's
 * name. {@code labels} are the pod's labels (from the sandbox) merged with the container's. {@code mntns}/{@code netns}
 * are the inode numbers of the container's mount and network namespaces, the keys events are mapped by.
 * {@code owner} and {@code node} come from the Kubernetes API when it is reachable ({@code owner} may be null).
 *
 * @param runtime containerd, cri-o, docker, podman, or proc (found from /proc and cgroups alone: no runtime answered)
 */
public record Container(String runtime, String id, String name, String image, String podName, String namespace,
                        String podUid, Map<String, String> labels, int pid, long mntns, long netns, String cgroupPath,
                        Owner owner, String node) {

    public Container {
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labels)); // sorted: stable output
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        podName = podName == null ? "" : podName;
        namespace = namespace == null ? "" : namespace;
        podUid = podUid == null ? "" : podUid;
        cgroupPath = cgroupPath == null ? "" : cgroupPath;
        node = node == null ? "" : node;
    }

    /** The workload that owns the pod: Deployment (through its ReplicaSet), StatefulSet, DaemonSet, Job, CronJob... */
    public record Owner(String kind, String name) {
        @Override
        public String toString() {
            return kind + "/" + name;
        }
    }

    /** True for a container of a Kubernetes pod (it has a pod name or at least a pod UID). */
    public boolean inPod() {
        return !podName.isEmpty() || !podUid.isEmpty();
    }

    /** The first 12 characters of the ID, as docker/crictl print it. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** What events carry about their container (unknown fields are null). */
    public ContainerInfo info() {
        return new ContainerInfo(runtime, id, blankToNull(name), blankToNull(image), blankToNull(namespace), blankToNull(podName),
                blankToNull(podUid), labels, owner == null ? null : owner.toString(), blankToNull(node));
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    public Container withProcess(int pid, long mntns, long netns, String cgroupPath) {
        return new Container(runtime, id, name, image, podName, namespace, podUid, labels, pid, mntns, netns, cgroupPath, owner, node);
    }

    public Container withKubernetes(String podName, String namespace, Map<String, String> labels, Owner owner, String node) {
        return new Container(runtime, id, name, image, podName, namespace, podUid, labels, pid, mntns, netns, cgroupPath, owner, node);
    }
}
