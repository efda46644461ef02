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
 * captured between the message's start and end, re-read from the capture each message came from.
 */
public final class PacketExporter {
    private static final long SLACK_NANOS = 1_000_000; // the final ACK of a response trails it slightly

    private PacketExporter() {
    }

    private record Window(long from, long to) {
    }

    /** Returns the number of packets written. */
    public static long export(List<MessageStore.Stored> messages, Path out) {
        var bySource = new LinkedHashMap<String, Map<String, List<Window>>>();
        for (var s : messages) {
            if (s.source() == null) continue;
            var m = s.message();
            long end = m.startNanos() + Math.max(0, m.latencyNanos()) + SLACK_NANOS;
            bySource.computeIfAbsent(s.source(), k -> new HashMap<>())
                    .computeIfAbsent(flow(m), k -> new ArrayList<>()).add(new Window(m.startNanos(), end));
        }
        long written = 0;
        try (var writer = new PcapngWriter(out)) {
            for (var e : bySource.entrySet()) {
                var source = Path.of(e.getKey());
                if (!Files.isReadable(source)) {
                    throw new KscopeException("cannot export packets: the capture " + source
                            + " the messages came from is gone (export needs the original file)");
                }
                var flows = e.getValue();
                var decoder = new PacketDecoder();
                var d = new DecodedPacket();
                long[] count = {0};
                try (var src = new PcapFileSource(source)) {
                    src.run(p -> {
                        if (!decoder.decode(p, d)) return;
                        var windows = flows.get(key(FlowKey.format(d.srcHi, d.srcLo), d.srcPort, FlowKey.format(d.dstHi, d.dstLo), d.dstPort));
                        if (windows == null) return;
                        for (var w : windows) {
                            if (p.timestampNanos() >= w.from && p.timestampNanos() <= w.to) {
                                writer.write(p);
                                count[0]++;
                                return;
                            }
                        }
                    });
                }
                written += count[0];
            }
        }
        return written;
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
