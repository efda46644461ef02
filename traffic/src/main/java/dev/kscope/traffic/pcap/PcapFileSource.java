package dev.kscope.traffic.pcap;

import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a pcap or pcapng file, mapped into memory: packets are slices of the mapping, nothing is copied.
 * A file truncated in the middle of a record (a capture that was killed) ends the stream at the last whole
 * packet; {@link #truncated()} tells whether that happened.
 */
public final class PcapFileSource implements CaptureSource {

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment file;
    private volatile boolean closed;
    private boolean truncated;
    private long packets;

    public PcapFileSource(Path path) {
        this.path = path;
        if (java.nio.file.Files.isDirectory(path)) {
            throw new KscopeException("cannot read " + path + ": it is a directory (give a .pcap or .pcapng file)");
        }
        try (var ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new KscopeException("cannot read " + path + ": no such file (check the path given to -r)");
        } catch (IOException e) {
            arena.close();
            throw new KscopeException("cannot read " + path + ": " + e.getMessage() + " (check the file's permissions)", e);
        }
        if (file.byteSize() < 24) {
            close();
            throw new KscopeException("cannot read " + path + ": " + file.byteSize()
                    + " bytes is too short for a pcap or pcapng header (is it a capture file?)");
        }
        try {
            new CaptureReader(path.toString()).next(file, 0, file.byteSize(), p -> { }); // no capture: fail before anything starts
        } catch (KscopeException notACapture) {
            close();
            throw notACapture;
        }
    }

    @Override
    public boolean truncated() {
        return truncated;
    }

    @Override
    public long bytes() {
        return file.byteSize();
    }

    public long packetCount() {
        return packets;
    }

    public long fileSize() {
        return file.byteSize();
    }

    @Override
    public void run(PacketHandler handler) {
        var reader = new CaptureReader(path.toString());
        long size = file.byteSize();
        long pos = 0;
        while (!closed && pos < size) {
            long n = reader.next(file, pos, size, handler);
            if (n == 0) {
                truncated = true; // the capture was cut in the middle of a record
                break;
            }
            pos += n;
        }
        packets = reader.packets();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
