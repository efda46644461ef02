package dev.kscope.containers.proc;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Container ID and pod UID from a cgroup path, whatever the runtime and cgroup driver wrote:
 * <pre>
 * /kubepods/besteffort/pod3f0e…/4a1b…(64 hex)                                       cgroupfs (containerd, CRI-O)
 * /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f0e_….slice/cri-containerd-4a1b….scope   systemd
 * /system.slice/docker-4a1b….scope, /docker/4a1b…, /libpod_parent/libpod-4a1b…, /machine.slice/libpod-4a1b….scope
 * </pre>
 */
public final class CgroupPaths {
    private static final Pattern CONTAINER_ID = Pattern.compile("(?:^|[/\\-])([0-9a-f]{64})(?:\\.scope)?(?=/|$)");
    private static final Pattern POD_UID = Pattern.compile(
            "pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?(?=/|$)");

    private CgroupPaths() {
    }

    /** The innermost container ID in the path (the last 64-hex component). */
    public static Optional<String> containerId(String path) {
        var m = CONTAINER_ID.matcher(path);
        String last = null;
        while (m.find()) last = m.group(1);
        return Optional.ofNullable(last);
    }

    /** The Kubernetes pod UID, with the dashes systemd slice names replace by underscores put back. */
    public static Optional<String> podUid(String path) {
        var m = POD_UID.matcher(path);
        return m.find() ? Optional.of(m.group(1).replace('_', '-')) : Optional.empty();
    }

    /** The path of the first line of /proc/<pid>/cgroup that names a container; else the unified (or first) path. */
    public static String containerPath(List<String> cgroupLines) {
        String fallback = "";
        for (var line : cgroupLines) {
            var parts = line.split(":", 3);
            if (parts.length < 3) continue;
            if (containerId(parts[2]).isPresent()) return parts[2];
            if (fallback.isEmpty() || parts[0].equals("0")) fallback = parts[2];
        }
        return fallback;
    }
}
