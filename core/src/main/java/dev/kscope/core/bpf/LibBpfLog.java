package dev.kscope.core.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Deque;

import static dev.kscope.core.bpf.Btf.call;

/**
 * Routes libbpf's own messages (including the verifier log on load failures) into a bounded buffer kept for
 * error reports, and to stderr with KSCOPE_DEBUG=1 or --debug. Without this, libbpf prints warnings to stderr
 * in the middle of the user's output.
 */
public final class LibBpfLog {
    private LibBpfLog() {}

    private static final int KEEP = 400;
    private static final Deque<String> LINES = new ArrayDeque<>();
    private static volatile boolean installed;
    private static volatile boolean echo = "1".equals(System.getenv("KSCOPE_DEBUG"));

    public static void echoToStderr(boolean on) {
        echo = on;
    }

    static synchronized void install() {
        if (installed) return;
        MemorySegment stub;
        try {
            stub = LibBpf.upcall(MethodHandles.lookup().findStatic(LibBpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class)), LibBpf.PRINT_FN, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        call(() -> (MemorySegment) LibBpf.SET_PRINT.invokeExact(stub));
        installed = true;
    }

    // An upcall: must never throw.
    private static int print(int level, MemorySegment format, MemorySegment vaList) {
        try (var a = Arena.ofConfined()) {
            var buf = a.allocate(1024);
            int n = (int) LibBpf.VSNPRINTF.invokeExact(buf, 1024L, format, vaList);
            var text = buf.getString(0).stripTrailing();
            synchronized (LibBpfLog.class) {
                for (var line : text.split("\n")) {
                    LINES.addLast(line);
                    if (LINES.size() > KEEP) LINES.removeFirst();
                }
            }
            if (echo) System.err.println(text.startsWith("libbpf:") ? text : "libbpf: " + text);
            return n;
        } catch (Throwable t) {
            return 0;
        }
    }

    static synchronized void clear() {
        LINES.clear();
    }

    static synchronized String lastLines(int n) {
        var all = LINES.stream().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }
}
