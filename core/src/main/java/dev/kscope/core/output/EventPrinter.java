package dev.kscope.core.output;

/** Writes events to the user, in one of the output formats. Not thread-safe: call from one thread. */
public interface EventPrinter<E> extends AutoCloseable {
    /** Writes what comes before the first event (a table's header), so the user sees it before any event arrives. */
    default void header() {
    }

    void print(E event);

    /** Tells the user that {@code lost} more events were lost ({@code totalLost} so far). */
    void lost(long lost, long totalLost);

    void flush();

    @Override
    default void close() {
        flush();
    }
}
