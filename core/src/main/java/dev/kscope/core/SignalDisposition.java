package dev.kscope.core;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A shell starts background jobs with SIGINT ignored, and the JVM then refuses to handle it, so {@code kill -INT}
 * (what tcpdump users send) would do nothing. Resetting the signal to its default lets the JVM install a handler.
 */
public final class SignalDisposition {
    private SignalDisposition() {}

    public static final int SIGINT = 2;

    /** signal(sig, SIG_DFL). */
    public static void reset(int sig) {
        try {
            var signal = Linker.nativeLinker().downcallHandle(Linker.nativeLinker().defaultLookup().find("signal").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
            var unused = (MemorySegment) signal.invokeExact(sig, MemorySegment.NULL); // SIG_DFL is 0
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
