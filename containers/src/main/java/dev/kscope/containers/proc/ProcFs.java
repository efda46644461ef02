package dev.kscope.containers.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The host's /proc (or a mount of it, e.g. /host/proc in a DaemonSet): namespaces, cgroups and parents of processes.
 * Every read may fail because the process just exited; failures come back as empty values, never exceptions.
 */
public final class ProcFs {
    private final Path root;

    public ProcFs(Path root) {
        this.root = root;
    }

    public static ProcFs host() {
        return new ProcFs(Path.of("/proc"));
    }

    public Path root() {
        return root;
    }

    /** The inode of the process's mount namespace, if it still exists. */
    public OptionalLong mntns(int pid) {
        return namespace(pid, "mnt");
    }

    public OptionalLong netns(int pid) {
        return namespace(pid, "net");
    }

    /** {@code /proc/<pid>/ns/<kind>} reads as {@code mnt:[4026531841]}: the number is the namespace's inode. */
    public OptionalLong namespace(int pid, String kind) {
        try {
            var link = Files.readSymbolicLink(root.resolve(pid + "/ns/" + kind)).toString();
            int open = link.indexOf('['), close = link.indexOf(']');
            return open < 0 || close < open ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(link.substring(open + 1, close)));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The lines of {@code /proc/<pid>/cgroup} ({@code id:controllers:path}); empty if the process is gone. */
    public List<String> cgroupLines(int pid) {
        try {
            return Files.readAllLines(root.resolve(pid + "/cgroup"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The process's command name (15 characters at most), or "" if it is gone. */
    public String comm(int pid) {
        try {
            return Files.readString(root.resolve(pid + "/comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The parent PID from /proc/<pid>/stat, or 0. */
    public int ppid(int pid) {
        try {
            var stat = Files.readString(root.resolve(pid + "/stat"));
            var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public List<Integer> pids() {
        var pids = new ArrayList<Integer>();
        try (var entries = Files.newDirectoryStream(root)) {
            for (var e : entries) {
                var name = e.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    try {
                        pids.add(Integer.parseInt(name));
                    } catch (NumberFormatException ignored) {
                        // not a process
                    }
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return pids;
    }
}
