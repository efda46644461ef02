package dev.kscope.traffic.pcap;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes pcapng to a file through a buffered stream: one section, one interface per link type, enhanced packet
 * blocks, as {@link PcapngBlocks} encodes them.
 */
public final class PcapngWriter implements AutoCloseable {
    private final OutputStream out;
    private final Map<Integer, Integer> interfaces = new HashMap<>();
    private byte[] block = new byte[2048]; // reused for every packet, grown to the largest
    private MemorySegment blockSegment = MemorySegment.ofArray(block);

    public PcapngWriter(Path path) {
        try {
            out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            out.write(PcapngBlocks.sectionHeader(null, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bytes written (the block's length). */
    public int write(Packet p) {
        int ifc = interfaces.computeIfAbsent(p.linkType(), this::addInterface);
        var data = p.data();
        int cap = (int) data.byteSize();
        int len = PcapngBlocks.packetLength(cap);
        if (len > block.length) {
            block = new byte[Math.max(len, block.length * 2)];
            blockSegment = MemorySegment.ofArray(block);
        }
        PcapngBlocks.packet(blockSegment, 0, ifc, p.timestampNanos(), data, 0, cap, p.originalLength());
        try {
            out.write(block, 0, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return len;
    }

    private int addInterface(int linkType) {
        try {
            out.write(PcapngBlocks.interfaceDescription(() -> linkType));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return interfaces.size();
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
