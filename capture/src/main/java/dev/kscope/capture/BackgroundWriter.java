package dev.kscope.capture;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A channel whose writes return at once: each chunk of whole pcapng blocks is copied into a buffer that a thread of
 * its own writes to the file. So the capture threads keep emptying the packet rings while the disk is slow
 * (writeback throttling stalls a writer for tens of milliseconds), and the file writing has its own core.
 * When a write fails, the file is cut back to the last whole block and the packets that did not make it are counted.
 */
final class BackgroundWriter implements WritableByteChannel {
    private static final int CHUNK = 512 << 10, MAX_CHUNKS = 128;

    private final WritableByteChannel target;
    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>(); // a stack: the chunk freed last is still in cache
    private final ArrayDeque<MemorySegment> queued = new ArrayDeque<>();
    private final ArrayDeque<Integer> queuedLengths = new ArrayDeque<>();
    private final Thread thread;
    private int allocated;
    private boolean closing;
    private long written;             // bytes of whole chunks in the file
    private IOException failure;
    private long[] lost = new long[0]; // per interface id: packets dropped by a failed write

    BackgroundWriter(WritableByteChannel target, String name) {
        this.target = target;
        this.thread = Thread.ofPlatform().daemon().name("kscope-writer " + name).start(this::run);
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int len = src.remaining();
        if (failure != null) throw failure;
        if (len == 0) return 0;
        if (len > CHUNK) throw new IOException("chunk of " + len + " bytes exceeds " + CHUNK);
        while (failure == null && free.isEmpty() && allocated == MAX_CHUNKS) {
            try {
                wait(); // the disk is behind by MAX_CHUNKS chunks: hold the capture thread, the packet ring absorbs it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (failure != null) throw failure;
        var chunk = free.isEmpty() ? newChunk() : free.pop();
        MemorySegment.copy(MemorySegment.ofBuffer(src), 0, chunk, 0, len);
        src.position(src.limit());
        queued.add(chunk);
        queuedLengths.add(len);
        notifyAll();
        return len;
    }

    /** A free chunk to fill (waits while the disk is MAX_CHUNKS behind); null once a write failed. */
    synchronized MemorySegment take() throws IOException {
        while (failure == null && free.isEmpty() && allocated == MAX_CHUNKS) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (failure != null) throw failure;
        return free.isEmpty() ? newChunk() : free.pop();
    }

    /** Queues the first {@code len} bytes of a chunk from {@link #take()} (whole pcapng blocks) for writing. */
    synchronized void submit(MemorySegment chunk, int len) throws IOException {
        if (failure != null) {
            countLost(chunk, 0, len);
            free.push(chunk);
            throw failure;
        }
        if (len == 0) {
            free.push(chunk);
            return;
        }
        queued.add(chunk);
        queuedLengths.add(len);
        notifyAll();
    }

    /** Throws the failure of an earlier background write, if any. */
    synchronized void checkFailure() throws IOException {
        if (failure != null) throw failure;
    }

    private MemorySegment newChunk() {
        allocated++;
        return arena.allocate(CHUNK, 8);
    }

    private void run() {
        while (true) {
            MemorySegment chunk;
            int len;
            synchronized (this) {
                while (queued.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queued.isEmpty()) return;
                chunk = queued.peek();
                len = queuedLengths.peek();
            }
            var bb = chunk.asSlice(0, len).asByteBuffer();
            IOException error = null;
            try {
                while (bb.hasRemaining()) target.write(bb);
            } catch (IOException e) {
                error = e;
            }
            synchronized (this) {
                queued.poll();
                queuedLengths.poll();
                if (error == null) {
                    written += len;
                    free.push(chunk);
                } else {
                    salvage(chunk, bb.position(), len, error);
                }
                notifyAll();
            }
        }
    }

    /** Keeps the whole blocks of the failed chunk that got out, cuts the file there, counts every packet lost. */
    private void salvage(MemorySegment chunk, int out, int len, IOException error) {
        failure = error;
        long whole = 0;
        while (whole + 8 <= out && whole + chunk.get(JAVA_INT_UNALIGNED, whole + 4) <= out) {
            whole += chunk.get(JAVA_INT_UNALIGNED, whole + 4);
        }
        written += whole;
        if (target instanceof FileChannel fc) {
            try {
                fc.truncate(written);
            } catch (IOException ignored) {
                // a pipe, or nothing more we can do; the caller reports the original failure
            }
        }
        countLost(chunk, whole, len);
        while (!queued.isEmpty()) countLost(queued.poll(), 0, queuedLengths.poll());
    }

    private void countLost(MemorySegment chunk, long from, int to) {
        for (long b = from; b + 12 <= to; b += chunk.get(JAVA_INT_UNALIGNED, b + 4)) {
            if (chunk.get(JAVA_INT_UNALIGNED, b) == PcapngWriter.EPB) {
                int id = chunk.get(JAVA_INT_UNALIGNED, b + 8);
                if (id >= lost.length) lost = java.util.Arrays.copyOf(lost, id + 1);
                lost[id]++;
            }
        }
    }

    /** The failure of a background write, or null. */
    synchronized IOException failure() {
        return failure;
    }

    /** Packets per interface id that a failed write lost (and that had been counted as captured). */
    synchronized long[] lostPackets() {
        return lost.clone();
    }

    @Override
    public synchronized boolean isOpen() {
        return !closing;
    }

    /** Waits until every chunk is in the file (or failed), then closes the file. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            target.close();
        } finally {
            arena.close();
        }
        synchronized (this) {
            if (failure != null) throw failure;
        }
    }
}
