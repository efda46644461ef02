package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * Writes one pcapng section to a channel: SHB, IDBs, EPBs, ISBs, as {@link PcapngBlocks} encodes them. Blocks go
 * through a native buffer that only ever holds whole blocks, so after a failed write the file can be cut back to
 * the last complete block ({@link #salvage}). Not thread-safe: callers serialize.
 */
public final class PcapngWriter implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private MemorySegment buf;
    private final WritableByteChannel channel; // null with a background writer
    private final BackgroundWriter background;
    private long pos;        // bytes in buf
    private long committed;  // bytes known to be in the channel
    private long partial;    // bytes of the buffer a failed flush got out before failing
    private int firstBlock;  // where buf's first whole block starts: before it, the carried end of a block already handed over
    private boolean synced = true; // nothing in buf that a synced flush has not written

    public PcapngWriter(WritableByteChannel channel, int bufferSize) {
        this.channel = channel;
        this.background = null;
        this.buf = arena.allocate(bufferSize, 8);
    }

    /** Fills the background writer's chunks directly and hands them over: no copy. */
    PcapngWriter(BackgroundWriter background) throws IOException {
        this.channel = null;
        this.background = background;
        this.buf = background.take();
    }

    /** Bytes written so far, including the buffered ones. */
    public long size() {
        return committed + pos;
    }

    public void sectionHeader(String hardware, String os, String application) throws IOException {
        put(PcapngBlocks.sectionHeader(hardware, os, application));
    }

    public void interfaceDescription(InterfaceInfo info) throws IOException {
        put(PcapngBlocks.interfaceDescription(info));
    }

    /** An Enhanced Packet Block, encoded straight into the buffer: see {@link PcapngBlocks#packet}. */
    public void packet(int interfaceId, long timestampNanos, MemorySegment src, long offset, int capLen, int origLen,
                       int direction, int vlanTag, int snaplen) throws IOException {
        ensure(PcapngBlocks.packetLength(capLen, direction, vlanTag, snaplen));
        pos += PcapngBlocks.packet(buf, pos, interfaceId, timestampNanos, src, offset, capLen, origLen, direction, vlanTag, snaplen);
    }

    public void statistics(int interfaceId, long timestampNanos, long startNanos, CaptureStats s) throws IOException {
        put(PcapngBlocks.statistics(interfaceId, timestampNanos, startNanos, s));
    }

    private void put(byte[] block) throws IOException {
        ensure(block.length);
        MemorySegment.copy(block, 0, buf, JAVA_BYTE, pos, block.length);
        pos += block.length;
    }

    private void ensure(int len) throws IOException {
        if (buf == null) throw new IOException("the output failed earlier");
        synced = false;
        if (pos + len > buf.byteSize()) {
            if (background != null) handOver(false);
            else flush(); // a caller's channel: written on this thread
        }
        if (len > buf.byteSize() - pos) throw new IOException("pcapng block of " + len + " bytes is larger than the write buffer");
    }

    /** Hands every buffered block to the channel; with a background writer, they are in the file once it wrote them. */
    public void flush() throws IOException {
        if (background != null) {
            if (synced) background.checkFailure();
            else handOver(true);
            synced = true;
            return;
        }
        var bb = buf.asSlice(0, pos).asByteBuffer();
        try {
            while (bb.hasRemaining()) channel.write(bb);
        } finally {
            partial = bb.position();
        }
        partial = 0;
        committed += pos;
        pos = 0;
    }

    /**
     * Gives the buffer to the background writer and continues in a new one. With O_DIRECT only whole file-system
     * blocks go out, so the unaligned tail is copied to the start of the new buffer (it goes out with the next one;
     * a synced hand-over also writes it now).
     */
    private void handOver(boolean sync) throws IOException {
        var next = background.take();
        int aligned = (int) (pos & -background.alignment()), carry = (int) (pos - aligned);
        MemorySegment.copy(buf, aligned, next, 0, carry);
        long x = firstBlock;
        while (x < aligned) x += buf.get(JAVA_INT_UNALIGNED, x + 4);
        var full = buf;
        int fullFirst = firstBlock, fullLen = (int) pos;
        buf = next;
        pos = carry;
        firstBlock = (int) (x - aligned);
        committed += aligned;
        background.submit(full, fullFirst, aligned, fullLen, sync);
    }

    /**
     * After a failed write: keeps the whole blocks that got out, drops the rest, and cuts a file there.
     * {@code lostPacket} hears the interface id of each packet dropped.
     */
    public void salvage(java.util.function.IntConsumer lostPacket) {
        if (buf == null) {
            pos = 0;
            return;
        }
        long whole = firstBlock;
        while (whole + 8 <= partial && whole + buf.get(JAVA_INT_UNALIGNED, whole + 4) <= partial) {
            whole += buf.get(JAVA_INT_UNALIGNED, whole + 4);
        }
        for (long b = whole; b + 12 <= pos; b += buf.get(JAVA_INT_UNALIGNED, b + 4)) {
            if (buf.get(JAVA_INT_UNALIGNED, b) == PcapngBlocks.EPB) lostPacket.accept(buf.get(JAVA_INT_UNALIGNED, b + 8));
        }
        committed += whole;
        partial = 0;
        pos = 0;
        firstBlock = 0;
        synced = true;
        if (channel instanceof FileChannel fc) {
            try {
                fc.truncate(committed);
            } catch (IOException ignored) {
                // nothing more we can do; the caller reports the original failure
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            arena.close();
        }
    }
}
