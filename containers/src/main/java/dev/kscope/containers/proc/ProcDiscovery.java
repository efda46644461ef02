package dev.kscope.containers.proc;

import dev.kscope.containers.Container;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds containers without asking any runtime: every process whose cgroup path names a container ID (and, in a pod,
 * the pod UID). Names, images and labels stay unknown; the Kubernetes API can fill in the pod from its UID.
 */
public final class ProcDiscovery {
    public static final String RUNTIME = "proc";
    private final ProcFs proc;

    public ProcDiscovery(ProcFs proc) {
        this.proc = proc;
    }

    /** All containers with at least one live process, by container ID. */
    public Map<String, Container> scan() {
        record Member(int pid, int ppid, String path) {
        }
        var byId = new HashMap<String, List<Member>>();
        for (var pid : proc.pids()) {
            var path = CgroupPaths.containerPath(proc.cgroupLines(pid));
            CgroupPaths.containerId(path).ifPresent(id ->
                    byId.computeIfAbsent(id, k -> new java.util.ArrayList<>()).add(new Member(pid, proc.ppid(pid), path)));
        }
        var found = new HashMap<String, Container>();
        byId.forEach((id, members) -> {
            var pids = members.stream().map(Member::pid).collect(java.util.stream.Collectors.toSet());
            // the container's init: the member whose parent is outside the container (the shim); lowest PID on ties
            var init = members.stream().filter(m -> !pids.contains(m.ppid()))
                    .min(java.util.Comparator.comparingInt(Member::pid)).orElse(members.getFirst());
            container(id, init.pid(), init.path()).ifPresent(c -> found.put(id, c));
        });
        return found;
    }

    /** The container a process belongs to, from its cgroup alone. */
    public Optional<Container> ofProcess(int pid) {
        var path = CgroupPaths.containerPath(proc.cgroupLines(pid));
        return CgroupPaths.containerId(path).flatMap(id -> container(id, pid, path));
    }

    private Optional<Container> container(String id, int pid, String path) {
        var mntns = proc.mntns(pid);
        if (mntns.isEmpty()) return Optional.empty();
        return Optional.of(new Container(RUNTIME, id, "", "", "", "", CgroupPaths.podUid(path).orElse(""), Map.of(), pid,
                mntns.getAsLong(), proc.netns(pid).orElse(0), path, null, ""));
    }
}
