package dev.kscope.kube.debug;

import dev.kscope.core.TerminalSize;

import java.io.File;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The user's terminal: raw mode for a TTY session (so Ctrl-C, Ctrl-Z and arrows reach the container
 * instead of kscope) and window size changes. The JDK has no termios API; stty on /dev/tty is what
 * every JVM terminal program falls back to for raw mode. The size comes from {@link TerminalSize}.
 */
public interface Terminal {
    /** Columns and rows, if known. */
    Optional<int[]> size();

    /** Calls {@code listener} after each window size change. */
    void onResize(Runnable listener);

    /** Puts the terminal in raw mode; {@link AutoCloseable#close()} restores it. */
    AutoCloseable raw();

    /** No terminal (stdin is a pipe, or tests). */
    Terminal NONE = new Terminal() {
        @Override
        public Optional<int[]> size() {
            return Optional.empty();
        }

        @Override
        public void onResize(Runnable listener) {
        }

        @Override
        public AutoCloseable raw() {
            return () -> { };
        }
    };

    /** The controlling terminal, or {@link #NONE} when there is none. */
    static Terminal system() {
        var console = System.console();
        if (console == null || !console.isTerminal() || !new File("/dev/tty").canRead()) return NONE;
        return new Terminal() {
            @Override
            public Optional<int[]> size() {
                return TerminalSize.of(1).map(s -> new int[]{s.columns(), s.rows()});
            }

            @Override
            public void onResize(Runnable listener) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> listener.run());
                } catch (IllegalArgumentException e) {
                    // no SIGWINCH on this platform: the initial size is all we send
                }
            }

            @Override
            public AutoCloseable raw() {
                var saved = stty("-g");
                Runnable restore = () -> {
                    if (saved != null) stty(saved.trim());
                    else stty("sane");
                };
                // A SIGTERM while attached must not leave the user's shell in raw mode.
                var hook = new Thread(restore, "kscope-terminal-restore");
                Runtime.getRuntime().addShutdownHook(hook);
                stty("raw", "-echo");
                return () -> {
                    restore.run();
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException e) {
                        // shutting down: the hook restores (again), harmlessly
                    }
                };
            }
        };
    }

    private static String stty(String... args) {
        var cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            var p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty")).redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
