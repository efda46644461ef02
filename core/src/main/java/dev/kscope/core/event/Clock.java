package dev.kscope.core.event;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Instant;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Converts the kernel's CLOCK_BOOTTIME timestamps (bpf_ktime_get_boot_ns) to wall-clock time. */
public final class Clock {
    private Clock() {}

    private static final int CLOCK_BOOTTIME = 7;
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final long BOOT_TO_EPOCH = bootToEpochOffset();

    public static long bootTimeNanos() {
        try (var a = Arena.ofConfined()) {
            var ts = a.allocate(16, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_BOOTTIME, ts);
            if (rc != 0) throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long bootToEpochOffset() {
        var now = Instant.now();
        long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return epochNanos - bootTimeNanos();
    }

    public static Instant fromBootNanos(long bootNanos) {
        long epoch = bootNanos + BOOT_TO_EPOCH;
        return Instant.ofEpochSecond(Math.floorDiv(epoch, 1_000_000_000L), Math.floorMod(epoch, 1_000_000_000L));
    }

}
