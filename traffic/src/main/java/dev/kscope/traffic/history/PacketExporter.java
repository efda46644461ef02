package dev.kscope.traffic.history;

import dev.kscope.core.KscopeException;
import dev.kscope.traffic.decode.DecodedPacket;
import dev.kscope.traffic.decode.PacketDecoder;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapngWriter;
import dev.kscope.traffic.reassembly.FlowKey;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the packets of messages to a pcapng file: every packet of the message's connection (either direction)
 * captured between the message's start and end, re-read from the capture each message came from: the file it was
 * read from, or for a live analysis the {@link PacketSpool} kept beside the history.
 */
public final class PacketExporter {
    private static final long SLACK_NANOS = 1_000_000; // the final ACK of a response trails it slightly

    private PacketExporter() {
    }

    /**
     * A message's connection between its first request byte and its last response byte ({@code last}), and until
     * {@code to} a little after it for the ACKs that trail the response (only those: on a keep-alive connection the
     * next call may start within that slack).
     */
    private static final class Window {
        final long from, last, to;
        boolean found;

        Window(long from, long last) {
            this.from = from;
            this.last = last;
            this.to = last + SLACK_NANOS;
        }

        long from() {
            return from;
        }
    }

    /**
     * @param packets         packets written
     * @param withoutPackets  messages none of whose packets were found (their file, or spool segment, no longer holds them)
     */
    public record Exported(long packets, long withoutPackets) {
    }

    public static Exported export(List<MessageStore.Stored> messages, Path out) {
        var bySource = new LinkedHashMap<String, Map<String, List<Window>>>();
        for (var s : messages) {
            if (s.source() == null) continue;
            var m = s.message();
            bySource.computeIfAbsent(s.source(), k -> new HashMap<>())
                    .computeIfAbsent(flow(m), k -> new ArrayList<>()).add(new Window(m.startNanos(), m.startNanos() + (m.latencyNanos() >= 0 ? m.latencyNanos() : SLACK_NANOS)));
        }
        var all = new ArrayList<Window>();
        for (var flows : bySource.values()) {
            flows.values().forEach(w -> w.sort(java.util.Comparator.comparingLong(Window::from)));
            flows.values().forEach(all::addAll);
        }
        long written = 0;
        try (var writer = new PcapngWriter(out)) {
            for (var e : bySource.entrySet()) {
                var source = Path.of(e.getKey());
                if (!Files.isReadable(source)) {
                    throw new KscopeException(source.getFileName().toString().endsWith(".packets")
                            ? "cannot export packets: the packet spool " + source + " of the live analysis is gone (it lives beside the --db file)"
                            : "cannot export packets: the capture " + source + " the messages came from is gone (export needs the original file)");
                }
                var flows = e.getValue();
                for (var file : files(source, flows)) written += copy(file, flows, writer);
            }
        }
        long none = messages.size() - all.size() + all.stream().filter(w -> !w.found).count(); // messages without a source count too
        return new Exported(written, none);
    }

    /** The capture file itself, or the segments of a live run's packet spool that the messages' windows touch. */
    private static List<Path> files(Path source, Map<String, List<Window>> flows) {
        if (!Files.isDirectory(source)) return List.of(source);
        long from = Long.MAX_VALUE, to = Long.MIN_VALUE;
        for (var windows : flows.values()) {
            for (var w : windows) {
                from = Math.min(from, w.from);
                to = Math.max(to, w.to);
            }
        }
        try {
            var segments = PacketSpool.segments(source);
            var result = new ArrayList<Path>();
            for (int i = 0; i < segments.size(); i++) {
                long first = PacketSpool.firstNanos(segments.get(i));
                long next = i + 1 < segments.size() ? PacketSpool.firstNanos(segments.get(i + 1)) : Long.MAX_VALUE;
                // interfaces captured together interleave slightly out of order: a segment may hold packets a little older than its name
                if (first <= to && next >= from - SLACK_NANOS * 1000) result.add(segments.get(i));
            }
            return result;
        } catch (java.io.IOException e) {
            throw new KscopeException("cannot export packets: cannot read the packet spool " + source + ": " + e.getMessage(), e);
        }
    }

    private static long copy(Path file, Map<String, List<Window>> flows, PcapngWriter writer) {
        var decoder = new PacketDecoder();
        var d = new DecodedPacket();
        long[] count = {0};
        try (var src = new PcapFileSource(file)) {
            src.run(p -> {
                if (!decoder.decode(p, d)) return;
                var windows = flows.get(key(FlowKey.format(d.srcHi, d.srcLo), d.srcPort, FlowKey.format(d.dstHi, d.dstLo), d.dstPort));
                if (windows != null && inAny(windows, p.timestampNanos(), d.payload.byteSize() > 0)) {
                    writer.write(p);
                    count[0]++;
                }
            });
        }
        return count[0];
    }

    /** Windows are in start order (a connection's messages follow each other): look near the last one started before t. */
    private static boolean inAny(List<Window> windows, long t, boolean data) {
        int lo = 0, hi = windows.size() - 1, last = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (windows.get(mid).from <= t) {
                last = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        boolean in = false;
        for (int i = last; i >= 0 && i > last - 64; i--) { // pipelined requests overlap: a few back
            var w = windows.get(i);
            if (t <= w.last || (t <= w.to && !data)) in = w.found = true;
        }
        return in;
    }

    private static String flow(Message m) {
        return key(m.src().ip(), m.src().port(), m.dst().ip(), m.dst().port());
    }

    /** The same for both directions. */
    private static String key(String ip1, int port1, String ip2, int port2) {
        var a = ip1 + "|" + port1;
        var b = ip2 + "|" + port2;
        return a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a;
    }
}
