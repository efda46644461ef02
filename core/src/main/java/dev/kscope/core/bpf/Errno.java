package dev.kscope.core.bpf;

import java.util.Map;

/** errno names and messages, for events (RET column) and for errors. */
public final class Errno {
    private Errno() {}

    private static final String[] NAMES = new String[134];
    private static final Map<Integer, String> MESSAGES = Map.ofEntries(
            Map.entry(1, "operation not permitted"), Map.entry(2, "no such file or directory"), Map.entry(3, "no such process"),
            Map.entry(4, "interrupted"), Map.entry(5, "I/O error"), Map.entry(7, "argument list too long"),
            Map.entry(8, "exec format error"), Map.entry(9, "bad file descriptor"), Map.entry(11, "try again"),
            Map.entry(12, "out of memory"), Map.entry(13, "permission denied"), Map.entry(14, "bad address"),
            Map.entry(16, "device or resource busy"), Map.entry(17, "file exists"), Map.entry(19, "no such device"),
            Map.entry(20, "not a directory"), Map.entry(21, "is a directory"), Map.entry(22, "invalid argument"),
            Map.entry(24, "too many open files"), Map.entry(26, "text file busy"), Map.entry(28, "no space left on device"),
            Map.entry(36, "file name too long"), Map.entry(38, "function not implemented"), Map.entry(40, "too many levels of symbolic links"),
            Map.entry(95, "operation not supported"), Map.entry(524, "operation not supported by the kernel (ENOTSUPP)"));

    static {
        String[] n = {null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
                "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR",
                "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE",
                "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP"};
        System.arraycopy(n, 0, NAMES, 0, n.length);
        NAMES[95] = "EOPNOTSUPP";
        NAMES[110] = "ETIMEDOUT";
        NAMES[111] = "ECONNREFUSED";
    }

    /** "ENOENT" for 2 (or -2); "E123" where the name is unknown. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        if (e == 524) return "ENOTSUPP";
        return e < NAMES.length && NAMES[e] != null ? NAMES[e] : "E" + e;
    }

    static String describe(int errno) {
        int e = Math.abs(errno);
        var m = MESSAGES.get(e);
        return name(e) + (m == null ? "" : " (" + m + ")");
    }

    static String hint(int errno) {
        return switch (Math.abs(errno)) {
            case 1, 13 -> "run as root or grant CAP_BPF,CAP_PERFMON";
            case 12 -> "the BPF memory limit of this cgroup is reached; free memory or lower --ringbuf-size";
            case 2 -> "the kernel lacks this tracepoint or tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
            default -> null;
        };
    }
}
