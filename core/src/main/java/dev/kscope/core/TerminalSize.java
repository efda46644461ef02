package dev.kscope.core;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** A terminal's window size, read with ioctl(TIOCGWINSZ): the JDK has no API for it. */
public record TerminalSize(int columns, int rows) {
    private static final long TIOCGWINSZ = 0x5413;

    /** The size of the terminal on file descriptor {@code fd} (0 stdin, 1 stdout); empty when it is not a terminal. */
    public static Optional<TerminalSize> of(int fd) {
        try {
            var linker = Linker.nativeLinker();
            var ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
            try (var arena = Arena.ofConfined()) {
                var winsize = arena.allocate(8); // struct winsize: rows, columns, then pixel sizes, all unsigned short
                if ((int) ioctl.invokeExact(fd, TIOCGWINSZ, winsize) != 0) return Optional.empty();
                int rows = Short.toUnsignedInt(winsize.get(JAVA_SHORT, 0));
                int columns = Short.toUnsignedInt(winsize.get(JAVA_SHORT, 2));
                return columns > 0 && rows > 0 ? Optional.of(new TerminalSize(columns, rows)) : Optional.empty();
            }
        } catch (Throwable t) {
            return Optional.empty(); // no native access: callers fall back as when there is no terminal
        }
    }
}
