package dev.kscope.traffic.output;

import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.message.MessageSink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a slow sink (formatting and writing output, storing history) on its own thread, so dissection and output
 * use two cores. Messages cross in batches of up to {@code batch}: one at a time, a sink faster than the analyzer
 * would sleep after every message and cost a wake-up (a futex call, ~5-10 µs) per message; batches suit a file, where
 * no one waits for the next row, single messages a live capture. The analyzer blocks when the sink falls
 * {@code capacity} messages behind: nothing is dropped. {@code idle} runs whenever the sink has caught up (live output
 * flushes there: once per burst, not per message). One thread hands messages over.
 */
public final class AsyncSink implements MessageSink, AutoCloseable {
    private static final List<Message> END = List.of();

    private final BlockingQueue<List<Message>> queue;
    private final int batch;
    private List<Message> pending;
    private final Thread thread;
    private volatile RuntimeException failure;

    public AsyncSink(MessageSink downstream, int capacity) {
        this(downstream, capacity, 1, () -> {});
    }

    public AsyncSink(MessageSink downstream, int capacity, int batch, Runnable idle) {
        this.batch = batch;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity / batch));
        this.pending = new ArrayList<>(batch);
        this.thread = Thread.ofPlatform().name("kscope-output").daemon().start(() -> {
            try {
                for (var ms = queue.take(); ms != END; ) {
                    for (var m : ms) downstream.accept(m);
                    ms = queue.poll();
                    if (ms == null) {
                        idle.run();
                        ms = queue.take();
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
        pending.add(m);
        if (pending.size() >= batch) handOver();
    }

    private void handOver() {
        if (pending.isEmpty()) return;
        try {
            queue.put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing messages to the output", e);
        }
        pending = new ArrayList<>(batch);
    }

    /** Waits until every message handed over has been written. */
    @Override
    public void close() {
        try {
            if (failure == null) {
                handOver();
                queue.put(END);
            }
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) throw failure;
    }
}
