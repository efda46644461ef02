package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * Writes chunks of pcapng blocks on a thread of its own, so the capture threads keep emptying the packet rings
 * while the disk is slow (writeback throttling stalls a writer for tens of milliseconds).
 * <p>
 * Files are written with O_DIRECT where the file system allows it ({@link #alignment()} &gt; 1): on large packets
 * the page-cache copy of write(2) was two thirds of the CPU per packet of kscope and of tcpdump alike, and on a VM
 * the page cache keeps growing into memory the host has not backed yet. O_DIRECT writes whole file-system blocks at
 * aligned offsets only, so each chunk's unaligned tail (shorter than one file-system block) is carried into the next
 * chunk by {@link PcapngWriter}: a chunk then starts with the end of a block whose start was in the previous chunk,
 * and owns the blocks whose headers lie in {@code [firstBlock, aligned)}. A synced chunk (idle, close) also writes
 * its tail, zero-padded, and cuts the file back to its true length; the next chunk writes that tail again.
 * <p>
 * When a write fails, the file is cut back to its last whole block and the packets that did not make it are
 * counted; {@link #cutForTrailer} then makes room for the statistics blocks by dropping as few packets as needed.
 */
final class BackgroundWriter implements AutoCloseable {
    static final int CHUNK = 512 << 10;
    private static final int MAX_CHUNKS = 128, HISTORY = 4;

    /** Bytes {@code [0, aligned)} go out at the next offset; with sync also {@code [aligned, len)}. */
    private record Job(MemorySegment chunk, int firstBlock, int aligned, int len, boolean sync) {}

    private record Written(Job job, long offset) {}

    /** A pcapng block in the file: where, how long, and the interface of its packet (-1 if not a packet). */
    private record Block(long start, long end, int interfaceId) {}

    private final WritableByteChannel target;
    private final Path path;                // the file (a FileChannel); null for a stream, even stdout redirected to a file
    private final int alignment;
    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>(); // a stack: the chunk freed last is still in cache
    private final ArrayDeque<Job> queued = new ArrayDeque<>();
    private final ArrayDeque<Written> history = new ArrayDeque<>();   // the last jobs written: room for a trailer after a failure
    private final Thread thread;
    private int allocated;
    private boolean closing;
    private long offset;                    // where the next job's first byte goes
    private long jobOut;                    // bytes of the current job that got out
    private IOException failure;
    private long end = -1;                  // after a failure: the file's length, cut at its last whole block
    private List<Block> kept = List.of();   // after a failure: the known whole blocks before end
    private long[] lost = new long[0];      // per interface id: packets dropped by a failed write

    /** A stream, e.g. stdout. */
    BackgroundWriter(WritableByteChannel target, String name) {
        this(target, null, 1, name);
    }

    /**
     * A regular file at {@code path} (null: a stream); {@code alignment} > 1: {@code target} was opened with O_DIRECT
     * and takes writes of that granularity.
     */
    BackgroundWriter(WritableByteChannel target, Path path, int alignment, String name) {
        this.target = target;
        this.path = path;
        this.alignment = alignment;
        this.thread = Thread.ofPlatform().daemon().name("kscope-writer " + name).start(this::run);
    }

    /** 1, or the O_DIRECT granularity: a chunk's first {@code len & -alignment} bytes go out, the rest is carried over. */
    int alignment() {
        return alignment;
    }

    /** A free chunk of {@link #CHUNK} bytes to fill (waits while the disk is MAX_CHUNKS behind). */
    synchronized MemorySegment take() throws IOException {
        while (failure == null && free.isEmpty() && allocated == MAX_CHUNKS) {
            try {
                wait(); // the disk is far behind: hold the capture thread, the packet ring absorbs it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (failure != null) throw failure;
        if (!free.isEmpty()) return free.pop();
        allocated++;
        return arena.allocate(CHUNK, Math.max(8, alignment));
    }

    /**
     * Queues a chunk from {@link #take()}: its blocks from {@code firstBlock} to {@code len} are whole (bytes before
     * {@code firstBlock} end a block of the previous chunk); {@code aligned} bytes go out now, and with {@code sync}
     * all {@code len}.
     */
    synchronized void submit(MemorySegment chunk, int firstBlock, int aligned, int len, boolean sync) throws IOException {
        var job = new Job(chunk, firstBlock, aligned, len, sync);
        if (failure != null) {
            countLost(job);
            free.push(chunk);
            throw failure;
        }
        queued.add(job);
        notifyAll();
    }

    /** Throws the failure of an earlier background write, if any. */
    synchronized void checkFailure() throws IOException {
        if (failure != null) throw failure;
    }

    private void run() {
        while (true) {
            Job job;
            long at;
            synchronized (this) {
                while (queued.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queued.isEmpty()) return;
                job = queued.peek();
                at = offset;
                jobOut = 0;
            }
            IOException error = null;
            try {
                write(job.chunk, 0, job.aligned, at);
                if (job.sync && job.len > job.aligned) {
                    int padded = (job.len + alignment - 1) & -alignment;
                    job.chunk.asSlice(job.len, padded - job.len).fill((byte) 0);
                    write(job.chunk, job.aligned, padded, at + job.aligned);
                    ((FileChannel) target).truncate(at + job.len);
                }
            } catch (IOException e) {
                error = e;
            }
            synchronized (this) {
                queued.poll();
                if (error == null) {
                    offset += job.aligned;
                    history.add(new Written(job, at));
                    if (history.size() > HISTORY) free.push(history.poll().job.chunk);
                } else {
                    fail(new Written(job, at), Math.min(jobOut, job.len), error);
                }
                notifyAll();
            }
        }
    }

    /** Writes chunk bytes {@code [from, to)} at file offset {@code at} (a stream ignores it), counting into jobOut. */
    private void write(MemorySegment chunk, int from, int to, long at) throws IOException {
        ByteBuffer bb = chunk.asSlice(from, to - from).asByteBuffer();
        while (bb.hasRemaining()) {
            int n = path != null ? ((FileChannel) target).write(bb, at + bb.position()) : target.write(bb);
            synchronized (this) {
                jobOut += n;
            }
        }
    }

    /** Cuts the file at its last whole block and counts every packet that did not make it. */
    private void fail(Written failed, long out, IOException error) {
        failure = error;
        var blocks = new ArrayList<Block>();
        for (var h : history) blocks.addAll(blocks(h));
        blocks.addAll(blocks(failed));
        long fileEnd = failed.offset + out;
        end = blocks.isEmpty() ? failed.offset : blocks.getFirst().start;
        var whole = new ArrayList<Block>();
        for (var b : blocks) {
            if (b.end > fileEnd || b.start != end) break;
            whole.add(b);
            end = b.end;
        }
        kept = whole;
        for (var b : blocks) if (b.start >= end) countLost(b.interfaceId);
        while (!history.isEmpty()) free.push(history.poll().job.chunk);
        free.push(failed.job.chunk);
        while (!queued.isEmpty()) {
            var q = queued.poll();
            countLost(q);
            free.push(q.chunk);
        }
        if (path != null) {
            try {
                ((FileChannel) target).truncate(end);
            } catch (IOException ignored) {
                // nothing more we can do; the caller reports the original failure
            }
        }
    }

    /** The blocks a job owns: those whose header lies in {@code [firstBlock, aligned)}. */
    private static List<Block> blocks(Written w) {
        var result = new ArrayList<Block>();
        var c = w.job.chunk;
        for (long x = w.job.firstBlock; x < w.job.aligned; ) {
            int len = c.get(JAVA_INT_UNALIGNED, x + 4);
            int id = c.get(JAVA_INT_UNALIGNED, x) == PcapngBlocks.EPB ? c.get(JAVA_INT_UNALIGNED, x + 8) : -1;
            result.add(new Block(w.offset + x, w.offset + x + len, id));
            x += len;
        }
        return result;
    }

    private void countLost(Job job) {
        for (var b : blocks(new Written(job, 0))) countLost(b.interfaceId);
    }

    private void countLost(int interfaceId) {
        if (interfaceId < 0) return;
        if (interfaceId >= lost.length) lost = java.util.Arrays.copyOf(lost, interfaceId + 1);
        lost[interfaceId]++;
    }

    /** The failure of a background write, or null. */
    synchronized IOException failure() {
        return failure;
    }

    /** Packets per interface id that a failed write lost (and that had been counted as captured). */
    synchronized long[] lostPackets() {
        return lost.clone();
    }

    /**
     * After a failure, once closed: where a trailer of {@code length} bytes (the statistics blocks) goes so that it
     * overwrites bytes the file already holds (a full disk has no room to grow): the last block boundary at or after
     * {@code minStart} that leaves room for it. The packets after that boundary are counted as lost. Without such a
     * boundary, the end of the file (appending may still fit); -1 for a stream.
     */
    synchronized long cutForTrailer(int length, long minStart) {
        if (path == null || end < 0) return -1;
        long at = end;
        for (int i = kept.size() - 1; i >= 0 && at + length > end; i--) at = kept.get(i).start;
        if (at + length > end || at < minStart) return end; // no room among the blocks we know: append
        for (var b : kept) if (b.start >= at) countLost(b.interfaceId);
        end = at;
        return at;
    }

    /** Writes {@code trailer} at {@code at} (from {@link #cutForTrailer}) and ends the file after it. */
    void writeTrailer(long at, ByteBuffer trailer) throws IOException {
        try (var fc = FileChannel.open(path, StandardOpenOption.WRITE)) { // not O_DIRECT: the trailer is not aligned
            while (trailer.hasRemaining()) fc.write(trailer, at + trailer.position());
            fc.truncate(at + trailer.limit());
        }
    }

    /** Waits until every chunk is out (or failed), then closes the channel; throws the failure, if any. */
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
