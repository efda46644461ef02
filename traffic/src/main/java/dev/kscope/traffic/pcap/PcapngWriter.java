package dev.kscope.traffic.pcap;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Writes pcapng to a file: one section, one interface per link type, enhanced packet blocks, as
 * {@link PcapngBlocks} encodes them. Blocks are encoded straight into a native buffer that goes to the file when
 * full, as live capture's writer does (so the encoder only ever writes native memory).
 */
public final class PcapngWriter implements AutoCloseable {
    private static final int BUFFER = 1 << 16;
    private final FileChannel out;
    private final Arena arena = Arena.ofShared();
    private final Map<Integer, Integer> interfaces = new HashMap<>();
    private MemorySegment buf = arena.allocate(BUFFER, 8);
    private long pos;

    public PcapngWriter(Path path) {
        try {
            out = FileChannel.open(path, CREATE, WRITE, TRUNCATE_EXISTING);
            put(PcapngBlocks.sectionHeader(null, null, null));
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bytes written (the block's length). */
    public int write(Packet p) {
        Integer ifc = interfaces.get(p.linkType());
        if (ifc == null) ifc = addInterface(p.linkType());
        var data = p.data();
        int cap = (int) data.byteSize();
        int len = PcapngBlocks.packetLength(cap);
        room(len);
        pos += PcapngBlocks.packet(buf, pos, ifc, p.timestampNanos(), data, 0, cap, p.originalLength());
        return len;
    }

    private int addInterface(int linkType) {
        int id = interfaces.size();
        put(PcapngBlocks.interfaceDescription(() -> linkType));
        interfaces.put(linkType, id);
        return id;
    }

    private void put(byte[] block) {
        room(block.length);
        MemorySegment.copy(block, 0, buf, JAVA_BYTE, pos, block.length);
        pos += block.length;
    }

    /** Makes room for a block of {@code len} bytes: writes the buffer out when full, grows it for a block larger than it. */
    private void room(int len) {
        if (pos + len <= buf.byteSize()) return;
        flush();
        if (len > buf.byteSize()) buf = arena.allocate(len, 8);
    }

    private void flush() {
        var bb = buf.asSlice(0, pos).asByteBuffer();
        try {
            while (bb.hasRemaining()) out.write(bb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pos = 0;
    }

    @Override
    public void close() {
        try (arena; out) {
            flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
