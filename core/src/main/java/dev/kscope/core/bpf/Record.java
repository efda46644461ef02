package dev.kscope.core.bpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One ring-buffer record, copied out of the ring in one bulk copy into a reused buffer, so that decoding is
 * plain array reads (cheap even before the JIT has compiled the event path). Valid until the next record.
 */
public final class Record {
    private byte[] bytes = new byte[1024];
    private int length;

    /** Copies {@code source} in, growing the buffer if needed. */
    public Record load(MemorySegment source) {
        int n = (int) source.byteSize();
        if (n > bytes.length) bytes = new byte[Integer.highestOneBit(n) << 1];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, bytes, 0, n);
        length = n;
        return this;
    }

    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    long le(long offset, int size) {
        int o = (int) offset;
        if (o + size > length) return 0;
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (bytes[o + i] & 0xff);
        return v;
    }
}
