package dev.kscope.cli;

import dev.kscope.core.TerminalSize;

/** The width of the terminal on stdout, or 0 when stdout is not a terminal (then nothing is cut). */
final class Terminal {
    private Terminal() {}

    static int width() {
        var console = System.console();
        if (console == null || !console.isTerminal()) return 0; // piped or redirected: no native call needed
        var columns = System.getenv("COLUMNS");
        if (columns != null && columns.matches("\\d+")) return Integer.parseInt(columns);
        return TerminalSize.of(1).map(TerminalSize::columns).orElse(80);
    }
}
