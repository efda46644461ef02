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
 * Streams a pcap or pcapng file, mapped into memory a window at a time: packets are slices of the mapping,
 * nothing is copied, and the resident set holds one window of the file, not all of it (a 4 GB capture costs
 * what a 40 MB one does). A file truncated in the middle of a record (a capture that was killed) ends the stream
 * at the last whole packet; {@link #truncated()} tells whether that happened.
 */
public final class PcapFileSource implements CaptureSource {
    /** Bytes mapped at once; a record longer than this (up to {@link CaptureReader#MAX_RECORD}) gets a window of its own. */
    static final long WINDOW = 32L << 20;

    private final Path path;
    private final long windowSize;
    private final FileChannel channel;
    private final long size;
    private volatile boolean closed;
    private boolean truncated;
    private long packets;

    public PcapFileSource(Path path) {
        this(path, WINDOW);
    }

    PcapFileSource(Path path, long windowSize) {
        this.path = path;
        this.windowSize = windowSize;
        if (java.nio.file.Files.isDirectory(path)) {
            throw new KscopeException("cannot read " + path + ": it is a directory (give a .pcap or .pcapng file)");
        }
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ);
            this.size = channel.size();
        } catch (NoSuchFileException e) {
            throw new KscopeException("cannot read " + path + ": no such file (check the path given to -r)");
        } catch (IOException e) {
            throw new KscopeException("cannot read " + path + ": " + e.getMessage() + " (check the file's permissions)", e);
        }
        if (size < 24) {
            close();
            throw new KscopeException("cannot read " + path + ": " + size
                    + " bytes is too short for a pcap or pcapng header (is it a capture file?)");
        }
        try (var arena = Arena.ofConfined()) {
            var head = map(arena, 0, Math.min(size, windowSize));
            new CaptureReader(path.toString()).next(head, 0, head.byteSize(), p -> { }); // no capture: fail before anything starts
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
        return size;
    }

    public long packetCount() {
        return packets;
    }

    @Override
    public void run(PacketHandler handler) {
        var reader = new CaptureReader(path.toString());
        long base = 0; // file offset of the next record
        long window = windowSize;
        while (!closed && base < size) {
            long length = Math.min(size - base, window);
            long used;
            try (var arena = Arena.ofConfined()) {
                var bytes = map(arena, base, length);
                if (bytes == null) break; // closed under us
                used = 0;
                for (long n; !closed && used < length && (n = reader.next(bytes, used, length, handler)) > 0; ) used += n;
            }
            if (used > 0) {
                base += used;
                window = windowSize;
            } else if (base + length == size) {
                truncated = true; // the capture was cut in the middle of a record (killed while writing)
                break;
            } else if (window < BIGGEST_RECORD) {
                window = Math.min(window * 4, BIGGEST_RECORD); // one record larger than a window: map it whole
            } else {
                throw new KscopeException("cannot read " + path + ": record at offset " + base + " is larger than 64 MiB (the file is corrupt)");
            }
        }
        packets = reader.packets();
    }

    private static final long BIGGEST_RECORD = CaptureReader.MAX_RECORD + 32;

    /** The bytes [offset, offset + length) of the file, or null when the source was closed. */
    private MemorySegment map(Arena arena, long offset, long length) {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, offset, length, arena);
        } catch (java.nio.channels.ClosedChannelException e) {
            if (closed) return null;
            throw new KscopeException("cannot read " + path + ": " + e + " (check the file's permissions)", e);
        } catch (IOException e) {
            throw new KscopeException("cannot read " + path + ": " + e.getMessage() + " (check the file's permissions)", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
    }
}
