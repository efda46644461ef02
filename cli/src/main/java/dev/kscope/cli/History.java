package dev.kscope.cli;

import java.nio.file.Path;

/** Where live traffic analysis keeps its message history unless told otherwise ({@code --db}, {@code --no-db}). */
final class History {
    private History() {}

    static final String DEFAULT_TEXT = "/var/lib/kscope/traffic.duckdb (as root; else ~/.local/state/kscope/, or $KSCOPE_STATE_DIR)";

    static Path defaultPath() {
        var dir = System.getenv("KSCOPE_STATE_DIR");
        if (dir != null && !dir.isBlank()) return Path.of(dir, "traffic.duckdb");
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/kscope/traffic.duckdb");
        var xdg = System.getenv("XDG_STATE_HOME");
        var base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("kscope").resolve("traffic.duckdb");
    }
}
