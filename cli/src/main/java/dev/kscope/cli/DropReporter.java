package dev.kscope.cli;

import dev.kscope.traffic.output.MessagePrinter;

/**
 * Says when a live analysis loses packets, as the gadgets say when they lose events: each second the capture's
 * kernel counters are read, and new drops give a warning on stderr and, with {@code -o json}, a
 * {@code {"dropped_packets":N,"total_dropped_packets":T}} line in the stream. Packets are only ever dropped in the
 * kernel (the capture ring fills when analysis falls behind); inside kscope every stage waits for the next.
 */
final class DropReporter implements AutoCloseable {
    private final java.util.function.LongSupplier droppedSoFar;
    private final MessagePrinter printer;
    private final java.io.PrintStream err;
    private final Thread thread;
    private volatile boolean closed;
    private long reported;

    /** @param droppedSoFar the capture's kernel drop counter; {@code printer} the message output (null with --ui) */
    DropReporter(java.util.function.LongSupplier droppedSoFar, MessagePrinter printer, java.io.PrintStream err, java.time.Duration period) {
        this.droppedSoFar = droppedSoFar;
        this.printer = printer;
        this.err = err;
        this.thread = Thread.ofPlatform().daemon().name("kscope-drops").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                check();
            }
        });
    }

    private synchronized void check() {
        long total = droppedSoFar.getAsLong();
        if (total <= reported) return;
        long n = total - reported;
        reported = total;
        err.println("kscope: warning: " + n + " packets dropped by the kernel (" + total + " in all): analysis fell behind "
                + "the capture; messages on those connections are missing or marked 'gap in capture' (raise -B, capture fewer pods, or give kscope more CPU)");
        if (printer != null) printer.lost(n, total);
    }

    /** Packets dropped so far (all of them, once closed). */
    synchronized long total() {
        return reported;
    }

    /** Stops watching and reports what the final counters add. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        check();
    }
}
