package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Checks the node can run eBPF gadgets before libbpf fails with a cryptic errno, and mounts tracefs when it can. */
public final class Environment {
    private Environment() {}

    private static final int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;
    private static volatile boolean checked;

    /** Where the kernel's BTF is read; KSCOPE_BTF overrides it (a BTF file for kernels that don't expose one). */
    public static Path kernelBtf() {
        var override = System.getenv("KSCOPE_BTF");
        return Path.of(override != null && !override.isBlank() ? override : "/sys/kernel/btf/vmlinux");
    }

    private static Thread warmUp;
    private static volatile Throwable warmUpFailure;

    /**
     * Binds libbpf's functions on a background thread (FFM makes a stub class per function: ~100 ms at start-up),
     * so that it overlaps with the command-line parsing. {@link #requireBpf()} waits for it and reports its failure.
     */
    public static synchronized void warmUpInBackground() {
        if (warmUp != null) return;
        warmUp = Thread.ofPlatform().name("libbpf-warm-up").daemon().start(() -> {
            try {
                LibBpfLog.install();
            } catch (Throwable t) {
                warmUpFailure = t;
            }
        });
    }

    public static void requireBpf() {
        if (checked) return;
        awaitWarmUp();
        long caps = effectiveCapabilities();
        boolean bpf = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
        if (!bpf && (caps & (1L << CAP_SYS_ADMIN)) == 0) {
            throw new KscopeException("cannot load eBPF programs: missing CAP_BPF and CAP_PERFMON (run as root, e.g. sudo kscope …, or grant CAP_BPF,CAP_PERFMON)", null, 77);
        }
        var btf = kernelBtf();
        if (!Files.isReadable(btf)) {
            throw new KscopeException("kernel BTF not found at " + btf + ": this kernel was built without CONFIG_DEBUG_INFO_BTF "
                    + "(use a kernel with BTF, or set KSCOPE_BTF to a BTF file for it)", null, 78);
        }
        checked = true;
    }

    private static void awaitWarmUp() {
        Thread t;
        synchronized (Environment.class) {
            t = warmUp;
        }
        if (t == null) return;
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // libbpf missing: the class initializer's KscopeException, not the NoClassDefFoundError later touches would see
        for (var e = warmUpFailure; e != null; e = e.getCause()) {
            if (e instanceof KscopeException k) throw k;
        }
    }

    static long effectiveCapabilities() {
        try {
            for (var line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (IOException ignored) {
        }
        return 0;
    }

    /** libbpf finds tracepoint ids under tracefs: mount it at /sys/kernel/tracing if neither it nor debugfs' copy is there. */
    static void ensureTracefs() {
        if (Files.isDirectory(Path.of("/sys/kernel/tracing/events")) || Files.isDirectory(Path.of("/sys/kernel/debug/tracing/events"))) return;
        long caps = effectiveCapabilities();
        if ((caps & (1L << CAP_SYS_ADMIN)) == 0) {
            throw new KscopeException("tracefs is not mounted and mounting it needs CAP_SYS_ADMIN (as root: mount -t tracefs nodev /sys/kernel/tracing)", null, 78);
        }
        var linker = LibBpf.LINKER;
        var mount = linker.downcallHandle(linker.defaultLookup().find("mount").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        try (var a = Arena.ofConfined()) {
            int rc = (int) mount.invokeExact(a.allocateFrom("nodev"), a.allocateFrom("/sys/kernel/tracing"), a.allocateFrom("tracefs"), 0L, MemorySegment.NULL);
            if (rc != 0 || !Files.isDirectory(Path.of("/sys/kernel/tracing/events"))) {
                throw new KscopeException("tracefs is not mounted and mounting it failed (mount -t tracefs nodev /sys/kernel/tracing)", null, 78);
            }
        } catch (KscopeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
