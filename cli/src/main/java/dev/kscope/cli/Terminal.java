package dev.kscope.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.ADDRESS;

/** The width of the terminal on stdout, or 0 when stdout is not a terminal (then nothing is cut). */
final class Terminal {
    private Terminal() {}

    private static final long TIOCGWINSZ = 0x5413;

    static int width() {
        var columns = System.getenv("COLUMNS");
        try {
            var console = System.console();
            if (console == null || !console.isTerminal()) return 0; // piped or redirected: no native call needed
            if (columns != null && columns.matches("\\d+")) return Integer.parseInt(columns);
            var linker = Linker.nativeLinker();
            var ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
            try (var a = Arena.ofConfined()) {
                var ws = a.allocate(8);
                if ((int) ioctl.invokeExact(1, TIOCGWINSZ, ws) == 0) {
                    int cols = Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2));
                    if (cols > 0) return cols;
                }
            }
            return 80;
        } catch (Throwable t) {
            return 0;
        }
    }
}
