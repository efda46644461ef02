package dev.kscope.traffic.output;

import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.message.MessageSink;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a slow sink (formatting and writing output, storing history) on its own thread, so dissection and output
 * use two cores. The analyzer blocks when the sink falls {@code capacity} messages behind: nothing is dropped.
 * {@code idle} runs whenever the queue has been drained (live output flushes there: once per burst, not per message).
 */
public final class AsyncSink implements MessageSink, AutoCloseable {
    private static final Message END = new Message(-1, "", null, null, 0, 0, 0, 0, "", "", false, null, java.util.Map.of());

    private final BlockingQueue<Message> queue;
    private final Thread thread;
    private volatile RuntimeException failure;

    public AsyncSink(MessageSink downstream, int capacity) {
        this(downstream, capacity, () -> {});
    }

    public AsyncSink(MessageSink downstream, int capacity, Runnable idle) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("kscope-output").daemon().start(() -> {
            try {
                for (var m = queue.take(); m != END; ) {
                    downstream.accept(m);
                    m = queue.poll();
                    if (m == null) {
                        idle.run();
                        m = queue.take();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
                queue.clear();
            }
        });
    }

    @Override
    public void accept(Message m) {
        if (failure != null) throw failure;
        try {
            queue.put(m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing a message to the output", e);
        }
    }

    /** Waits until every message handed over has been written. */
    @Override
    public void close() {
        try {
            if (failure == null) queue.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) throw failure;
    }
}
