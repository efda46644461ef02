package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a TCP conversation frame by frame, so tests control splitting, order, loss and duplicates. */
final class TcpScript {
    static final int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;

    final List<byte[]> frames = new ArrayList<>();
    final String client, server;
    final int clientPort, serverPort;
    int clientSeq = 1000, serverSeq = 900_000;

    TcpScript(String client, int clientPort, String server, int serverPort) {
        this.client = client;
        this.clientPort = clientPort;
        this.server = server;
        this.serverPort = serverPort;
    }

    TcpScript handshake() {
        frames.add(Frames.tcp(client, clientPort, server, serverPort, clientSeq - 1, 0, SYN, new byte[0]));
        frames.add(Frames.tcp(server, serverPort, client, clientPort, serverSeq - 1, clientSeq, SYN | ACK, new byte[0]));
        frames.add(Frames.tcp(client, clientPort, server, serverPort, clientSeq, serverSeq, ACK, new byte[0]));
        return this;
    }

    /** A client segment; returns its frame index. */
    int send(String data) {
        return send(data.getBytes(StandardCharsets.ISO_8859_1));
    }

    int send(byte[] data) {
        frames.add(Frames.tcp(client, clientPort, server, serverPort, clientSeq, serverSeq, ACK | PSH, data));
        clientSeq += data.length;
        return frames.size() - 1;
    }

    int reply(String data) {
        return reply(data.getBytes(StandardCharsets.ISO_8859_1));
    }

    int reply(byte[] data) {
        frames.add(Frames.tcp(server, serverPort, client, clientPort, serverSeq, clientSeq, ACK | PSH, data));
        serverSeq += data.length;
        return frames.size() - 1;
    }

    /** The client acknowledges everything the server sent. */
    void clientAck() {
        frames.add(Frames.tcp(client, clientPort, server, serverPort, clientSeq, serverSeq, ACK, new byte[0]));
    }

    void close() {
        frames.add(Frames.tcp(client, clientPort, server, serverPort, clientSeq, serverSeq, FIN | ACK, new byte[0]));
        frames.add(Frames.tcp(server, serverPort, client, clientPort, serverSeq, clientSeq + 1, FIN | ACK, new byte[0]));
    }

    static List<Message> analyzeFile(Path pcap) {
        var out = new ArrayList<Message>();
        try (var src = new PcapFileSource(pcap)) {
            new TrafficAnalyzer(EndpointResolver.NONE, out::add).run(src);
        }
        return out;
    }

    /** Writes {@code frames} in the given order (indexes; omitted ones are lost) 1 ms apart and analyzes them. */
    static List<Message> analyzeFrames(Path pcap, List<byte[]> frames) {
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            long ts = 1_700_000_000_000_000_000L;
            for (var f : frames) w.write(ts += 1_000_000, f);
        }
        return analyzeFile(pcap);
    }

    List<Message> analyze(Path dir, int... order) {
        var chosen = new ArrayList<byte[]>();
        if (order.length == 0) chosen.addAll(frames);
        for (int i : order) chosen.add(frames.get(i));
        return analyzeFrames(dir.resolve("t.pcap"), chosen);
    }
}
