package dev.kscope.gadgets.trace.exec;

import dev.kscope.core.event.ContainerEvent;
import dev.kscope.core.event.ContainerInfo;

import java.time.Instant;
import java.util.List;

/**
 * One execve/execveat, successful or not.
 *
 * @param retval        0 on success, else the negative errno (e.g. -2 for ENOENT)
 * @param comm          the process name after the exec (on failure: the caller's)
 * @param args          argv as the kernel saw it, up to the limits in exec.h ({@code argsTruncated} then set)
 */
public record ExecEvent(Instant timestamp, int pid, int tid, int ppid, int uid, int gid, long mntnsId, long cgroupId,
                        int retval, String comm, List<String> args, boolean argsTruncated,
                        ContainerInfo container) implements ContainerEvent {
    public boolean failed() {
        return retval != 0;
    }
}
