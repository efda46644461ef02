package dev.kscope.traffic.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes pcapng: one section, one interface per link type (nanosecond timestamps), enhanced packet blocks.
 */
public final class PcapngWriter implements AutoCloseable {
    private final OutputStream out;
    private final Map<Integer, Integer> interfaces = new HashMap<>();

    public PcapngWriter(Path path) {
        try {
            out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            var shb = le(28);
            shb.putInt(0x0A0D0D0A).putInt(28).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).putInt(28);
            out.write(shb.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bytes written (the block's length). */
    public int write(Packet p) {
        int ifc = interfaces.computeIfAbsent(p.linkType(), this::addInterface);
        var data = p.data();
        int cap = (int) data.byteSize();
        int padded = (cap + 3) & ~3;
        int len = 32 + padded;
        var b = le(len);
        b.putInt(6).putInt(len).putInt(ifc).putInt((int) (p.timestampNanos() >>> 32)).putInt((int) p.timestampNanos())
                .putInt(cap).putInt(p.originalLength());
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, b.array(), 28, cap);
        b.putInt(len - 4, len);
        try {
            out.write(b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return len;
    }

    private int addInterface(int linkType) {
        var idb = le(32);
        // if_tsresol = 9 (nanoseconds), then opt_endofopt
        idb.putInt(1).putInt(32).putShort((short) linkType).putShort((short) 0).putInt(0)
                .putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]).putInt(0).putInt(32);
        try {
            out.write(idb.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return interfaces.size();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
