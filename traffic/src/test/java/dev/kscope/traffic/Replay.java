package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.pcap.TcpConversation;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the frames of synthetic TCP conversations, so a test controls splitting, order, loss and duplicates: it
 * writes them to a pcap in any order (frame indexes: an omitted one is lost, a repeated one retransmitted) and
 * runs the analyzer over it.
 */
final class Replay implements TcpConversation.FrameSink {
    /** The time between frames; a replay spaces them 1 ms apart in the order it writes them anyway. */
    static final long MS = 1_000_000;

    final List<byte[]> frames = new ArrayList<>();

    /** A conversation kept here; the client's first data byte has sequence number 1000, the server's 900000. */
    TcpConversation tcp(String client, int clientPort, String server, int serverPort) {
        return new TcpConversation(this, 0, client, clientPort, server, serverPort, 999, 899_999);
    }

    @Override
    public void write(long timestampNanos, byte[] frame) {
        frames.add(frame);
    }

    /** Analyzes the frames in the given order (all of them in order when none is given). */
    List<Message> analyze(Path dir, int... order) {
        var chosen = new ArrayList<byte[]>();
        if (order.length == 0) chosen.addAll(frames);
        for (int i : order) chosen.add(frames.get(i));
        return analyzeFrames(dir.resolve("t.pcap"), chosen);
    }

    static List<Message> analyzeFile(Path pcap) {
        var out = new ArrayList<Message>();
        try (var src = new PcapFileSource(pcap)) {
            new TrafficAnalyzer(EndpointResolver.NONE, out::add).run(src);
        }
        return out;
    }

    /** Writes {@code frames} 1 ms apart and analyzes them. */
    static List<Message> analyzeFrames(Path pcap, List<byte[]> frames) {
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            long ts = 1_700_000_000_000_000_000L;
            for (var f : frames) w.write(ts += MS, f);
        }
        return analyzeFile(pcap);
    }
}
