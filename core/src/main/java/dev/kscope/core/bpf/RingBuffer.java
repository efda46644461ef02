package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;

import static dev.kscope.core.bpf.Btf.call;

/**
 * Consumes a BPF ring buffer on one dedicated thread. Records are handed to the handler as segments that are
 * only valid during the call: decode, don't keep. The kernel side wakes this thread only once a batch is
 * waiting (see gadget.h); in between, the thread drains the ring every {@code flushMillis}.
 */
public final class RingBuffer implements AutoCloseable {
    private static final int EINTR = 4;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment rb;
    private final Consumer<MemorySegment> handler;
    private final int flushMillis;
    private final Runnable onIdle;
    private volatile boolean running;
    private volatile Throwable failure;
    private Thread thread;

    /**
     * @param onIdle called on the poll thread after each drain (e.g. to read lost-event counters), never concurrently with the handler
     */
    public RingBuffer(BpfMap map, Consumer<MemorySegment> handler, int flushMillis, Runnable onIdle) {
        this.handler = handler;
        this.flushMillis = flushMillis;
        this.onIdle = onIdle;
        try {
            var onSample = MethodHandles.lookup().findVirtual(RingBuffer.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this);
            var stub = LibBpf.upcall(onSample, LibBpf.SAMPLE_FN, arena);
            try (var a = Arena.ofConfined()) {
                var state = a.allocate(LibBpf.CALL_STATE);
                int fd = map.fd();
                rb = call(() -> (MemorySegment) LibBpf.RING_BUFFER_NEW.invokeExact(state, fd, stub, MemorySegment.NULL, MemorySegment.NULL));
                if (rb.equals(MemorySegment.NULL)) throw BpfException.of("cannot open ring buffer " + map.name(), LibBpf.errno(state));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // An upcall: an exception escaping it would kill the JVM, so it is kept and rethrown on the poll thread.
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            handler.accept(data.reinterpret(size));
            return 0;
        } catch (Throwable t) {
            failure = t;
            return -1;
        }
    }

    public void start(String threadName, Consumer<Throwable> onFailure) {
        running = true;
        thread = Thread.ofPlatform().name(threadName).daemon(true).start(() -> {
            try {
                while (running) {
                    int n = call(() -> (int) LibBpf.RING_BUFFER_POLL.invokeExact(rb, flushMillis));
                    if (n >= 0 || n == -EINTR) n = call(() -> (int) LibBpf.RING_BUFFER_CONSUME.invokeExact(rb));
                    rethrow();
                    if (n < 0 && n != -EINTR) throw BpfException.of("ring buffer poll failed", -n);
                    onIdle.run();
                }
                // drain what the kernel produced before the links went away
                call(() -> (int) LibBpf.RING_BUFFER_CONSUME.invokeExact(rb));
                rethrow();
                onIdle.run();
            } catch (Throwable t) {
                running = false;
                onFailure.accept(t);
            }
        });
    }

    private void rethrow() {
        var f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new KscopeException("event handler failed: " + f, f);
        }
    }

    /** Stops polling after a last drain, and waits for the poll thread. */
    public void stop() {
        running = false;
        var t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        call(() -> {
            LibBpf.RING_BUFFER_FREE.invokeExact(rb);
            return null;
        });
        arena.close();
    }
}
