package dev.kscope.traffic.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a classic pcap file with nanosecond timestamps (magic a1b23c4d), little-endian. */
public final class PcapWriter implements AutoCloseable {
    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

    public PcapWriter(Path path, int linkType) {
        try {
            this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            var h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xA1B23C4D).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
            out.write(h.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(long timestampNanos, byte[] frame, int offset, int length, int originalLength) {
        header.clear();
        header.putInt((int) (timestampNanos / 1_000_000_000L)).putInt((int) (timestampNanos % 1_000_000_000L))
                .putInt(length).putInt(originalLength);
        try {
            out.write(header.array());
            out.write(frame, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(long timestampNanos, byte[] frame) {
        write(timestampNanos, frame, 0, frame.length, frame.length);
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
