package dev.kscope.cli;

/**
 * Signal handlers beyond the JVM's: SIGUSR1 for statistics (as with tcpdump), and SIGINT even when the shell started
 * kscope with it ignored (background jobs), which the JVM alone would keep ignoring.
 */
@SuppressWarnings("sunapi")
final class Signals {
    static Object handle(String name, Runnable action) {
        try {
            return sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> action.run());
        } catch (IllegalArgumentException unavailable) {
            return null; // e.g. -Xrs
        }
    }

    /** SIGINT exits (running the shutdown hooks) even if the shell started us with it ignored; returns what to restore. */
    static Object interruptExits() {
        dev.kscope.core.SignalDisposition.reset(dev.kscope.core.SignalDisposition.SIGINT);
        return handle("INT", () -> new Thread(() -> System.exit(130)).start());
    }

    static void restore(String name, Object previous) {
        if (previous instanceof sun.misc.SignalHandler h) sun.misc.Signal.handle(new sun.misc.Signal(name), h);
    }
}
