package dev.kscope.capture;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Writes one pcapng section (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html) to a channel:
 * SHB, IDBs, EPBs, ISBs, in the machine's byte order. Blocks go through a native buffer that only ever holds
 * whole blocks, so after a failed write the file can be cut back to the last complete block ({@link #salvage}).
 * Not thread-safe: callers serialize.
 */
public final class PcapngWriter implements AutoCloseable {
    public static final int SHB = 0x0A0D0D0A, IDB = 1, ISB = 5, EPB = 6;
    /** epb_flags bits: direction. */
    public static final int INBOUND = 1, OUTBOUND = 2;

    private static final int TS_RESOLUTION_NANOS = 9;
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
        var opts = new Options().string(2, hardware).string(3, os).string(4, application);
        int len = 28 + opts.length() + 4;
        ensure(len);
        long p = pos;
        buf.set(JAVA_INT_UNALIGNED, p, SHB);
        buf.set(JAVA_INT_UNALIGNED, p + 4, len);
        buf.set(JAVA_INT_UNALIGNED, p + 8, 0x1A2B3C4D);
        buf.set(JAVA_SHORT_UNALIGNED, p + 12, (short) 1);
        buf.set(JAVA_SHORT_UNALIGNED, p + 14, (short) 0);
        buf.set(JAVA_LONG_UNALIGNED, p + 16, -1L); // section length unknown
        opts.writeTo(buf, p + 24);
        buf.set(JAVA_INT_UNALIGNED, p + len - 4, len);
        pos += len;
    }

    public void interfaceDescription(InterfaceInfo info) throws IOException {
        var opts = new Options().string(2, info.name()).string(3, info.description()).string(1, info.comment());
        for (var a : info.addresses()) {
            var bytes = a.address().getAddress();
            if (a.address() instanceof Inet4Address) {
                int mask = a.prefixLength() == 0 ? 0 : -1 << (32 - a.prefixLength());
                opts.bytes(4, concat(bytes, new byte[]{(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask}));
            } else {
                opts.bytes(5, concat(bytes, new byte[]{(byte) a.prefixLength()}));
            }
        }
        opts.bytes(9, new byte[]{TS_RESOLUTION_NANOS});
        if (info.filter() != null && !info.filter().isEmpty()) {
            opts.bytes(11, concat(new byte[]{0}, info.filter().getBytes(StandardCharsets.UTF_8)));
        }
        int len = 16 + opts.length() + 4;
        ensure(len);
        long p = pos;
        buf.set(JAVA_INT_UNALIGNED, p, IDB);
        buf.set(JAVA_INT_UNALIGNED, p + 4, len);
        buf.set(JAVA_SHORT_UNALIGNED, p + 8, (short) info.linkType());
        buf.set(JAVA_SHORT_UNALIGNED, p + 10, (short) 0);
        buf.set(JAVA_INT_UNALIGNED, p + 12, info.snaplen());
        opts.writeTo(buf, p + 16);
        buf.set(JAVA_INT_UNALIGNED, p + len - 4, len);
        pos += len;
    }

    /**
     * An Enhanced Packet Block. {@code capLen} bytes are copied from {@code src} at {@code offset}; when {@code vlanTag}
     * is not -1, the 802.1Q tag (TPID in the upper 16 bits, TCI in the lower) the kernel took out of the frame is put
     * back after the two MAC addresses, as libpcap does, and the frame grows by 4 bytes (capped at {@code snaplen}).
     */
    public void packet(int interfaceId, long timestampNanos, MemorySegment src, long offset, int capLen, int origLen,
                       int direction, int vlanTag, int snaplen) throws IOException {
        int tagLen = vlanTag != -1 && capLen >= 12 ? 4 : 0;
        int outLen = Math.min(capLen + tagLen, Math.max(snaplen, capLen));
        int padded = (outLen + 3) & ~3;
        int len = 28 + padded + (direction != 0 ? 12 : 0) + 4;
        ensure(len);
        long p = pos;
        buf.set(JAVA_INT_UNALIGNED, p, EPB);
        buf.set(JAVA_INT_UNALIGNED, p + 4, len);
        buf.set(JAVA_INT_UNALIGNED, p + 8, interfaceId);
        buf.set(JAVA_INT_UNALIGNED, p + 12, (int) (timestampNanos >>> 32));
        buf.set(JAVA_INT_UNALIGNED, p + 16, (int) timestampNanos);
        buf.set(JAVA_INT_UNALIGNED, p + 20, outLen);
        buf.set(JAVA_INT_UNALIGNED, p + 24, origLen + tagLen);
        if (tagLen == 0) {
            MemorySegment.copy(src, offset, buf, p + 28, outLen);
        } else {
            MemorySegment.copy(src, offset, buf, p + 28, 12);
            buf.set(JAVA_BYTE, p + 40, (byte) (vlanTag >>> 24));
            buf.set(JAVA_BYTE, p + 41, (byte) (vlanTag >>> 16));
            buf.set(JAVA_BYTE, p + 42, (byte) (vlanTag >>> 8));
            buf.set(JAVA_BYTE, p + 43, (byte) vlanTag);
            MemorySegment.copy(src, offset + 12, buf, p + 44, outLen - 16);
        }
        for (long z = p + 28 + outLen; z < p + 28 + padded; z++) buf.set(JAVA_BYTE, z, (byte) 0);
        long q = p + 28 + padded;
        if (direction != 0) {
            buf.set(JAVA_SHORT_UNALIGNED, q, (short) 2); // epb_flags
            buf.set(JAVA_SHORT_UNALIGNED, q + 2, (short) 4);
            buf.set(JAVA_INT_UNALIGNED, q + 4, direction);
            buf.set(JAVA_INT_UNALIGNED, q + 8, 0);       // opt_endofopt
        }
        buf.set(JAVA_INT_UNALIGNED, p + len - 4, len);
        pos += len;
    }

    public void statistics(int interfaceId, long timestampNanos, long startNanos, CaptureStats s) throws IOException {
        var opts = new Options()
                .timestamp(2, startNanos).timestamp(3, timestampNanos)
                .u64(4, s.interfaceReceived()).u64(5, s.droppedByInterface()).u64(6, s.received())
                .u64(7, s.droppedByKernel()).u64(8, s.captured());
        int len = 20 + opts.length() + 4;
        ensure(len);
        long p = pos;
        buf.set(JAVA_INT_UNALIGNED, p, ISB);
        buf.set(JAVA_INT_UNALIGNED, p + 4, len);
        buf.set(JAVA_INT_UNALIGNED, p + 8, interfaceId);
        buf.set(JAVA_INT_UNALIGNED, p + 12, (int) (timestampNanos >>> 32));
        buf.set(JAVA_INT_UNALIGNED, p + 16, (int) timestampNanos);
        opts.writeTo(buf, p + 20);
        buf.set(JAVA_INT_UNALIGNED, p + len - 4, len);
        pos += len;
    }

    private void ensure(int len) throws IOException {
        if (buf == null) throw new IOException("the output failed earlier");
        synced = false;
        if (pos + len > buf.byteSize()) handOver(false);
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
            if (buf.get(JAVA_INT_UNALIGNED, b) == EPB) lostPacket.accept(buf.get(JAVA_INT_UNALIGNED, b + 8));
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

    private static byte[] concat(byte[] a, byte[] b) {
        var r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** A block's option list; ends with opt_endofopt when any option is present. */
    private static final class Options {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        Options string(int code, String value) {
            return value == null || value.isEmpty() ? this : bytes(code, value.getBytes(StandardCharsets.UTF_8));
        }

        Options u64(int code, long value) {
            var b = new byte[8];
            MemorySegment.ofArray(b).set(JAVA_LONG_UNALIGNED, 0, value);
            return bytes(code, b);
        }

        Options timestamp(int code, long nanos) {
            var b = new byte[8];
            MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED, 0, (int) (nanos >>> 32));
            MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED, 4, (int) nanos);
            return bytes(code, b);
        }

        Options bytes(int code, byte[] value) {
            var header = new byte[4];
            MemorySegment.ofArray(header).set(JAVA_SHORT_UNALIGNED, 0, (short) code);
            MemorySegment.ofArray(header).set(JAVA_SHORT_UNALIGNED, 2, (short) value.length);
            out.writeBytes(header);
            out.writeBytes(value);
            out.writeBytes(new byte[(4 - value.length % 4) % 4]);
            return this;
        }

        int length() {
            return out.size() == 0 ? 0 : out.size() + 4;
        }

        void writeTo(MemorySegment seg, long at) {
            if (out.size() == 0) return;
            var bytes = out.toByteArray();
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, at, bytes.length);
            seg.set(JAVA_INT_UNALIGNED, at + bytes.length, 0); // opt_endofopt
        }
    }
}
