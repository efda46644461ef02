package dev.kscope.traffic;

import dev.kscope.traffic.decode.DecodedPacket;
import dev.kscope.traffic.decode.PacketDecoder;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.DatagramDissector;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.ProtocolDetector;
import dev.kscope.traffic.dissect.dns.Dns;
import dev.kscope.traffic.dissect.http1.Http1;
import dev.kscope.traffic.dissect.kafka.Kafka;
import dev.kscope.traffic.dissect.http2.Http2;
import dev.kscope.traffic.dissect.postgres.Postgres;
import dev.kscope.traffic.dissect.redis.Redis;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.MessageSink;
import dev.kscope.traffic.pcap.Packet;
import dev.kscope.traffic.pcap.PacketHandler;
import dev.kscope.traffic.pcap.PacketSource;
import dev.kscope.traffic.reassembly.ConnectionInfo;
import dev.kscope.traffic.reassembly.FlowKey;
import dev.kscope.traffic.reassembly.TcpReassembler;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole offline/live pipeline on one thread: packets -> decode -> TCP reassembly / UDP -> protocol
 * detection -> dissectors -> messages with pod-attributed endpoints.
 *
 * <pre>{@code
 * try (var source = new PcapFileSource(Path.of("web.pcap"))) {
 *     var analyzer = new TrafficAnalyzer(EndpointResolver.NONE, m -> System.out.println(m.summary()));
 *     analyzer.run(source);
 * }
 * }</pre>
 */
public final class TrafficAnalyzer implements PacketHandler {
    /** Every protocol, in probing order. */
    public static List<Protocol> defaultProtocols() {
        return List.of(new Http1(), new Http2(), new Redis(), new Postgres(), new Kafka(), new Dns());
    }

    private static final long UDP_TIMEOUT_NANOS = 5_000_000_000L;

    private final List<Protocol> protocols;
    private final EndpointResolver resolver;
    private final MessageSink sink;
    private final AtomicLong ids = new AtomicLong(1);
    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket packet = new DecodedPacket();
    private final TcpReassembler tcp;
    private final Map<Protocol, DatagramDissector> datagramDissectors = new LinkedHashMap<>();
    private final Map<String, EndpointResolver.Name> names = new HashMap<>();
    private long namesGeneration;
    private final Stats stats = new Stats();
    private long lastUdpExpiry;

    public static final class Stats {
        public long packets, bytes, tcpSegments, udpDatagrams, unknownConnections, unknownDatagrams, messages;
        public long firstNanos = -1, lastNanos;
    }

    public TrafficAnalyzer(EndpointResolver resolver, MessageSink sink) {
        this(defaultProtocols(), resolver, sink);
    }

    public TrafficAnalyzer(List<Protocol> protocols, EndpointResolver resolver, MessageSink sink) {
        this.protocols = protocols;
        this.resolver = resolver;
        this.sink = m -> {
            stats.messages++;
            sink.accept(m);
        };
        this.tcp = new TcpReassembler(this::openConnection);
    }

    /** Reads the source to its end (or until it is closed), then flushes what is pending. */
    public void run(PacketSource source) {
        source.run(this);
        finish();
    }

    public Stats stats() {
        return stats;
    }

    public TcpReassembler.Stats tcpStats() {
        return tcp.stats();
    }

    @Override
    public void onPacket(Packet p) {
        stats.packets++;
        stats.bytes += p.originalLength();
        if (stats.firstNanos < 0) stats.firstNanos = p.timestampNanos();
        stats.lastNanos = p.timestampNanos();
        if (!decoder.decode(p, packet)) return;
        if (packet.protocol == DecodedPacket.TCP) {
            stats.tcpSegments++;
            tcp.onSegment(packet);
        } else {
            stats.udpDatagrams++;
            onDatagram(packet);
        }
    }

    private void onDatagram(DecodedPacket d) {
        if (d.timestampNanos - lastUdpExpiry > 1_000_000_000L) {
            lastUdpExpiry = d.timestampNanos;
            for (var dd : datagramDissectors.values()) dd.expire(d.timestampNanos - UDP_TIMEOUT_NANOS);
        }
        for (var p : protocols) {
            if (p.probeDatagram(d.payload, d.srcPort, d.dstPort)) {
                var dd = datagramDissectors.computeIfAbsent(p, k -> k.newDatagramDissector(sink, ids));
                dd.onDatagram(endpoint(FlowKey.format(d.srcHi, d.srcLo), d.srcPort),
                        endpoint(FlowKey.format(d.dstHi, d.dstLo), d.dstPort), d.payload, d.timestampNanos);
                return;
            }
        }
        stats.unknownDatagrams++;
    }

    /** End of input: every open connection and pending datagram request is reported. */
    public void finish() {
        tcp.finish();
        for (var dd : datagramDissectors.values()) dd.finish();
    }

    private ProtocolDetector openConnection(ConnectionInfo c) {
        var conv = new Conversation(endpoint(c.clientAddress(), c.clientPort()),
                endpoint(c.serverAddress(), c.serverPort()), sink, ids);
        return new ProtocolDetector(protocols, conv, () -> stats.unknownConnections++);
    }

    private Endpoint endpoint(String ip, int port) {
        long generation = resolver.generation();
        // pods come and go: the cache only spares repeated lookups, and is dropped when the resolver learned something
        if (generation != namesGeneration || names.size() > 65_536) {
            names.clear();
            namesGeneration = generation;
        }
        var name = names.computeIfAbsent(ip, k -> {
            var r = resolver.resolve(k);
            return r == null ? UNKNOWN : r;
        });
        return name == UNKNOWN ? new Endpoint(ip, port, null, null) : name.on(ip, port);
    }

    private static final EndpointResolver.Name UNKNOWN = new EndpointResolver.Name(null, null, List.of());
}
