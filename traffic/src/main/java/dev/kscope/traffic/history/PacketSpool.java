package dev.kscope.traffic.history;

import dev.kscope.core.KscopeException;
import dev.kscope.traffic.pcap.Packet;
import dev.kscope.traffic.pcap.PacketHandler;
import dev.kscope.traffic.pcap.PacketSource;
import dev.kscope.traffic.pcap.PcapngWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The packets of a live analysis, kept next to the message history so that {@code kscope traffic query -w} can
 * export the packets of live messages as it does for capture files. A directory of pcapng segments, each named by
 * the capture time of its first packet (nanoseconds since the epoch), so an export reads only the segments its
 * messages' time windows touch. Bounded like the history: the oldest segments are deleted while the spool is larger
 * than {@code maxBytes} or older than {@code maxAge}.
 *
 * <pre>{@code
 * try (var spool = PacketSpool.open(Path.of("traffic.duckdb.packets"), Duration.ofDays(7), 1L << 30)) {
 *     analyzer.run(spool.tee(liveSource));       // every packet is spooled, then analyzed
 * }                                              // messages stored with source spool.name() can be exported
 * }</pre>
 */
public final class PacketSpool implements AutoCloseable {
    static final String SUFFIX = ".pcapng";
    private static final int MIN_SEGMENTS = 8;
    private static final long MIN_SEGMENT_BYTES = 1 << 20, MAX_SEGMENT_BYTES = 64 << 20;

    private final Path dir;
    private final Duration maxAge;
    private final long maxBytes, segmentBytes;
    private final Deque<Path> segments = new ArrayDeque<>();
    private long bytes; // of every segment, the open one included
    private PcapngWriter writer;
    private long written; // bytes of the open segment

    private PacketSpool(Path dir, Duration maxAge, long maxBytes) {
        this.dir = dir;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.clamp(maxBytes / MIN_SEGMENTS, MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES);
    }

    /** The spool directory that belongs to a history database: {@code traffic.duckdb} keeps its packets in {@code traffic.duckdb.packets/}. */
    public static Path besides(Path database) {
        return database.toAbsolutePath().resolveSibling(database.getFileName() + ".packets");
    }

    /** Opens (or creates) the spool; segments from earlier runs stay, and count against the bounds. */
    public static PacketSpool open(Path dir, Duration maxAge, long maxBytes) {
        var spool = new PacketSpool(dir.toAbsolutePath(), maxAge, maxBytes);
        try {
            Files.createDirectories(spool.dir);
            for (var s : segments(spool.dir)) {
                spool.segments.add(s);
                spool.bytes += Files.size(s);
            }
        } catch (IOException e) {
            throw new KscopeException("cannot open the packet spool " + dir + ": " + e.getMessage() + " (give another --db PATH)", e);
        }
        return spool;
    }

    /** What messages store as their source: the spool directory. */
    public String name() {
        return dir.toString();
    }

    /** {@code source}, with each packet written to the spool before the handler sees it. */
    public PacketSource tee(PacketSource source) {
        return new PacketSource() {
            @Override
            public void run(PacketHandler handler) {
                source.run(p -> {
                    write(p);
                    handler.onPacket(p);
                });
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }

    public void write(Packet p) {
        if (writer == null || written >= segmentBytes) startSegment(p.timestampNanos());
        long size;
        try {
            size = writer.write(p);
        } catch (UncheckedIOException e) {
            throw new KscopeException("cannot write the packet spool in " + dir + ": " + e.getCause().getMessage() + " (is the disk full?)", e);
        }
        written += size;
        bytes += size;
    }

    private void startSegment(long firstNanos) {
        if (writer != null) writer.close();
        var file = dir.resolve(String.format("%019d", firstNanos) + SUFFIX);
        try {
            writer = new PcapngWriter(file);
        } catch (UncheckedIOException e) {
            throw new KscopeException("cannot write the packet spool " + file + ": " + e.getCause().getMessage() + " (is the disk full?)", e);
        }
        segments.add(file);
        written = 0;
        enforceBounds(firstNanos);
    }

    /** Deletes the oldest closed segments while the spool is over its size, or they ended before the age bound. */
    private void enforceBounds(long nowNanos) {
        while (segments.size() > 1) {
            var oldest = segments.peekFirst();
            var next = firstNanos(segments.stream().skip(1).findFirst().orElseThrow());
            boolean tooOld = maxAge != null && next < nowNanos - maxAge.toNanos();
            if (!tooOld && bytes <= maxBytes) return;
            try {
                bytes -= Files.size(oldest);
                Files.delete(oldest);
            } catch (IOException e) {
                throw new KscopeException("cannot trim the packet spool " + dir + ": " + e.getMessage(), e);
            }
            segments.removeFirst();
        }
    }

    /** The segments of a spool, oldest first. */
    static List<Path> segments(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return new ArrayList<>(files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList());
        }
    }

    static long firstNanos(Path segment) {
        var name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    @Override
    public void close() {
        if (writer != null) writer.close();
        writer = null;
    }
}
