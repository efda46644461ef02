package dev.kscope.traffic;

import dev.kscope.core.KscopeException;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.resolve.EndpointResolver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random-mutation fuzzing with a fixed time budget per dissector: valid conversations are mutated
 * (bit flips, inserted/deleted/duplicated bytes, boundary numbers), cut into random pieces and fed with random
 * gaps. Every run must finish without an exception, and every message must be well-formed. The seed is
 * printed on failure so a crash can be replayed.
 */
@org.junit.jupiter.api.Timeout(60)
class DissectorFuzzTest {
    static final long BUDGET_NANOS = Long.getLong("fuzz.millis", 2500) * 1_000_000L;

    record Seed(Protocol protocol, List<String> client, List<String> server) {
        @Override
        public String toString() {
            return protocol.name();
        }
    }

    static Stream<Seed> seeds() {
        var protos = TrafficAnalyzer.defaultProtocols().stream()
                .collect(java.util.stream.Collectors.toMap(Protocol::name, p -> p));
        return Stream.of(
                new Seed(protos.get("http"), List.of(
                        "GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
                        "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                        "PUT /q HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"),
                        List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
                                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\nA;x=y\r\n0123456789\r\n0\r\nT: 1\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n\u001f\u008b\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0003\u00cb\u0048\u00cd\u00c9\u00c9\u0007\u0000\u0086\u00a6")),
                new Seed(protos.get("redis"), List.of(
                        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "PING\r\n", "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"),
                        List.of("+OK\r\n", "$5\r\nvalue\r\n", "-ERR wrong\r\n", "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n*2\r\n:1\r\n_\r\n>2\r\n$7\r\nmessage\r\n#t\r\n")),
                new Seed(protos.get("postgres"), List.of(
                        "\000\000\000#\000\003\000\000user\000postgres\000database\000db\000\000",
                        "Q\000\000\000\015SELECT 1\000",
                        "P\000\000\000\022s1\000SELECT 2\000\000\000B\000\000\000\016\000s1\000\000\000\000\000\000\000E\000\000\000\011\000\000\000\000\000S\000\000\000\004"),
                        List.of("R\000\000\000\010\000\000\000\000Z\000\000\000\005I",
                                "D\000\000\000\013\000\001\000\000\000\0011C\000\000\000\015SELECT 1\000Z\000\000\000\005I",
                                "E\000\000\000\027SERROR\000C42P01\000Mno\000\000Z\000\000\000\005I")),
                new Seed(protos.get("http2"), List.of(h2Client()), List.of(h2Server())),
                new Seed(protos.get("kafka"), kafka(true), kafka(false)),
                new Seed(protos.get("dns"), List.of(
                        "\u0000\u0021\u0012\u0034\u0001\u0000\u0000\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0003web\u0006kscope\u0004test\u0000\u0000\u0001\u0000\u0001"),
                        List.of("\u0000\u0031\u0012\u0034\u0081\u0080\u0000\u0001\u0000\u0001\u0000\u0000\u0000\u0000\u0003web\u0006kscope\u0004test\u0000\u0000\u0001\u0000\u0001\u00c0\u000c\u0000\u0001\u0000\u0001\u0000\u0000\u0000\u003c\u0000\u0004\n\u0001\u0002\u0003")));
    }

    /** HTTP/2 frames, header blocks encoded by Netty's HPACK encoder (so they use the dynamic table). */
    static String h2Frame(int type, int flags, int stream, byte[] payload) {
        var b = new java.io.ByteArrayOutputStream();
        b.write(payload.length >> 16);
        b.write(payload.length >> 8);
        b.write(payload.length);
        b.write(type);
        b.write(flags);
        b.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(stream).array());
        b.writeBytes(payload);
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] hpack(io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder enc, io.netty.handler.codec.http2.Http2Headers h) {
        var buf = io.netty.buffer.Unpooled.buffer();
        try {
            enc.encodeHeaders(1, h, buf);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IllegalStateException(e);
        }
        var out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    static List<String> kafka(boolean requests) {
        return new KafkaTest().fuzzSeeds(requests);
    }

    static String h2Client() {
        var enc = new io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder();
        var h = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("POST").path("/kscope.Echo/Say").scheme("http")
                .authority("x").set("content-type", "application/grpc");
        var grpcMessage = new byte[]{0, 0, 0, 0, 7, 0x0a, 5, 'h', 'e', 'l', 'l', 'o'};
        return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2Frame(4, 0, 0, new byte[0]) + h2Frame(1, 4, 1, hpack(enc, h))
                + h2Frame(0, 1, 1, grpcMessage) + h2Frame(1, 5, 3, hpack(enc, h));
    }

    static String h2Server() {
        var enc = new io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder();
        var h = new io.netty.handler.codec.http2.DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
        var t = new io.netty.handler.codec.http2.DefaultHttp2Headers().set("grpc-status", "5").set("grpc-message", "nope");
        return h2Frame(4, 0, 0, new byte[]{0, 1, 0, 0, 0x10, 0}) + h2Frame(1, 4, 1, hpack(enc, h))
                + h2Frame(0, 0, 1, new byte[]{0, 0, 0, 0, 2, 0x10, 42}) + h2Frame(1, 5, 1, hpack(enc, t)) + h2Frame(3, 0, 3, new byte[]{0, 0, 0, 8});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void dissectorSurvivesMutatedInput(Seed seed) {
        var replay = System.getProperty("fuzz.replay"); // e.g. -Dfuzz.replay=http2:-8403274212133901478 reruns a failure
        if (replay != null) {
            var parts = replay.split(":", 2);
            if (seed.toString().equals(parts[0])) fuzzOnce(seed, new Random(Long.parseLong(parts[1])));
            return;
        }
        long seedValue = System.nanoTime();
        var rnd = new Random(seedValue);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int runs = 0;
        while (System.nanoTime() < deadline) {
            long runSeed = rnd.nextLong();
            try {
                fuzzOnce(seed, new Random(runSeed));
            } catch (Throwable t) {
                throw new AssertionError(seed + " failed on run seed " + runSeed + ": " + t, t);
            }
            runs++;
        }
        assertThat(runs).isGreaterThan(50);
    }

    private static void fuzzOnce(Seed seed, Random rnd) {
        var messages = new ArrayList<Message>();
        var conv = new Conversation(new Endpoint("10.0.0.1", 1, null, null), new Endpoint("10.0.0.2", 2, null, null),
                messages::add, new AtomicLong());
        var d = seed.protocol().newStream(conv);
        int rounds = 1 + rnd.nextInt(6);
        long ts = 0;
        for (int i = 0; i < rounds; i++) {
            boolean fromClient = rnd.nextInt(3) != 0;
            var pool = fromClient ? seed.client() : seed.server();
            var bytes = mutate(pool.get(rnd.nextInt(pool.size())).getBytes(StandardCharsets.ISO_8859_1), rnd);
            int at = 0;
            while (at < bytes.length) {
                int n = 1 + rnd.nextInt(Math.max(1, bytes.length - at));
                if (rnd.nextInt(20) == 0) d.onGap(fromClient, 1 + rnd.nextInt(1000), ts++);
                d.onData(fromClient, MemorySegment.ofArray(java.util.Arrays.copyOfRange(bytes, at, at + n)), ts++);
                at += n;
            }
        }
        d.onClose(ts);
        for (var m : messages) {
            assertThat(m.summary()).isNotNull();
            assertThat(m.status()).isNotNull();
            assertThat(m.details()).isNotNull();
            assertThat(m.requestBytes()).isNotNegative();
            assertThat(m.responseBytes()).isNotNegative();
        }
    }

    static byte[] mutate(byte[] in, Random rnd) {
        var b = new ArrayList<Byte>(in.length + 16);
        for (byte x : in) b.add(x);
        int edits = rnd.nextInt(5);
        for (int e = 0; e < edits && !b.isEmpty(); e++) {
            int at = rnd.nextInt(b.size());
            switch (rnd.nextInt(7)) {
                case 0 -> b.set(at, (byte) (b.get(at) ^ (1 << rnd.nextInt(8))));
                case 1 -> b.remove(at);
                case 2 -> b.add(at, (byte) rnd.nextInt(256));
                case 3 -> { // duplicate a slice
                    int len = Math.min(b.size() - at, 1 + rnd.nextInt(16));
                    b.addAll(at, new ArrayList<>(b.subList(at, at + len)));
                }
                case 4 -> { // boundary numbers where digits are
                    var big = String.valueOf(switch (rnd.nextInt(4)) {
                        case 0 -> Long.MAX_VALUE;
                        case 1 -> -1;
                        case 2 -> 4294967296L;
                        default -> 999999999999L;
                    });
                    for (int i = big.length() - 1; i >= 0; i--) b.add(at, (byte) big.charAt(i));
                }
                case 5 -> b.set(at, (byte) (rnd.nextBoolean() ? 0xFF : 0x00));
                default -> b.subList(at, Math.min(b.size(), at + rnd.nextInt(8))).clear();
            }
        }
        var out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) out[i] = b.get(i);
        return out;
    }

    /** The file reader, link/IP/TCP decoding and reassembly on corrupted capture files. */
    @Test
    void pcapReaderAndReassemblySurviveCorruptFiles(@TempDir Path dir) throws Exception {
        var good = dir.resolve("good.pcap");
        try (var w = new PcapWriter(good, LinkTypes.ETHERNET)) {
            long t = 1_000_000_000L;
            w.write(t++, Frames.tcp("10.0.0.1", 1000, "10.0.0.2", 80, 1, 0, 2, new byte[0]));
            w.write(t++, Frames.tcp("10.0.0.1", 1000, "10.0.0.2", 80, 2, 1, 0x18, "GET / HTTP/1.1\r\n\r\n".getBytes()));
            w.write(t++, Frames.tcp("10.0.0.2", 80, "10.0.0.1", 1000, 1, 20, 0x18, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes()));
            w.write(t++, Frames.udp("fd00::1", 5353, "fd00::2", 53, new byte[]{1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
        }
        var bytes = Files.readAllBytes(good);
        long seedValue = System.nanoTime();
        var rnd = new Random(seedValue);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        var bad = dir.resolve("bad.pcap");
        while (System.nanoTime() < deadline) {
            var mutated = bytes.clone();
            for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) mutated[24 + rnd.nextInt(mutated.length - 24)] = (byte) rnd.nextInt(256);
            Files.write(bad, rnd.nextInt(10) == 0 ? java.util.Arrays.copyOf(mutated, rnd.nextInt(mutated.length)) : mutated);
            try (var src = new dev.kscope.traffic.pcap.PcapFileSource(bad)) {
                new TrafficAnalyzer(EndpointResolver.NONE, m -> {}).run(src);
            } catch (KscopeException expected) {
                // a corrupt record header is reported, not crashed on
            } catch (Throwable t) {
                throw new AssertionError("seed " + seedValue + ": " + t, t);
            }
        }
    }
}
