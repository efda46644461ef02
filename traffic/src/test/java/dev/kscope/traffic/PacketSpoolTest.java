package dev.kscope.traffic;

import dev.kscope.traffic.history.MessageStore;
import dev.kscope.traffic.history.PacketExporter;
import dev.kscope.traffic.history.PacketSpool;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.pcap.PcapngWriter;
import dev.kscope.traffic.resolve.EndpointResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The packet spool of live analyses: what it keeps, how it is bounded, and that messages' packets export from it. */
class PacketSpoolTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path dir;

    /** CONNS keep-alive connections, CALLS calls each, 1 ms apart; responses carry a 1000-byte body. */
    private Path capture(int conns, int calls) {
        var pcap = dir.resolve("calls.pcap");
        var body = "x".repeat(1000);
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            long t = T0;
            int[] cs = new int[conns], ss = new int[conns];
            for (int k = 0; k < calls; k++) {
                for (int c = 0; c < conns; c++) {
                    var q = ("GET /items/" + c + "/" + k + " HTTP/1.1\r\nHost: web\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    var r = ("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
                    w.write(t += 500_000, Frames.tcp("10.1.0.5", 41000 + c, "10.1.0.9", 8080, 100 + cs[c], 5000 + ss[c], 0x18, q));
                    cs[c] += q.length;
                    w.write(t += 500_000, Frames.tcp("10.1.0.9", 8080, "10.1.0.5", 41000 + c, 5000 + ss[c], 100 + cs[c], 0x18, r));
                    ss[c] += r.length;
                }
            }
        }
        return pcap;
    }

    private List<MessageStore.Stored> analyze(Path pcap, PacketSpool spool) {
        var stored = new ArrayList<MessageStore.Stored>();
        try (var source = new PcapFileSource(pcap)) {
            new TrafficAnalyzer(EndpointResolver.NONE, m -> stored.add(new MessageStore.Stored(m, spool.name()))).run(spool.tee(source));
        }
        spool.close();
        return stored;
    }

    private static long packets(Path pcapng) {
        long[] n = {0};
        try (var source = new PcapFileSource(pcapng)) {
            source.run(p -> n[0]++);
        }
        return n[0];
    }

    private static List<String> paths(Path pcapng) {
        var out = new ArrayList<String>();
        try (var source = new PcapFileSource(pcapng)) {
            new TrafficAnalyzer(EndpointResolver.NONE, m -> out.add(m.summary())).run(source);
        }
        return out;
    }

    @Test
    void keepsEveryPacketInSegmentsAndExportsMessagesAsFromTheFile() throws Exception {
        var pcap = capture(4, 600); // 4800 packets, ~3.5 MB of pcapng
        var spool = PacketSpool.open(dir.resolve("h.duckdb.packets"), Duration.ofDays(7), 8L << 20);
        var messages = analyze(pcap, spool);
        assertThat(messages).hasSize(2400);

        var segments = Files.list(dir.resolve("h.duckdb.packets")).sorted().toList();
        assertThat(segments).hasSizeGreaterThan(2); // an eighth of the bound each: 1 MiB
        assertThat(segments.stream().mapToLong(PacketSpoolTest::packets).sum()).isEqualTo(4800);
        assertThat(segments.getFirst().getFileName().toString()).isEqualTo(String.format("%019d.pcapng", T0 + 500_000));

        // two calls, far apart, on two connections: exactly their four packets, whichever segments hold them
        var chosen = messages.stream().filter(s -> s.message().summary().equals("GET /items/0/3")
                || s.message().summary().equals("GET /items/3/590")).toList();
        assertThat(chosen).hasSize(2);
        var fromSpool = dir.resolve("spool.pcapng");
        assertThat(PacketExporter.export(chosen, fromSpool)).isEqualTo(new PacketExporter.Exported(4, 0));
        assertThat(paths(fromSpool)).containsExactly("GET /items/0/3", "GET /items/3/590");

        var fromFile = dir.resolve("file.pcapng");
        var sameFromFile = chosen.stream().map(s -> new MessageStore.Stored(s.message(), pcap.toString())).toList();
        assertThat(PacketExporter.export(sameFromFile, fromFile)).isEqualTo(new PacketExporter.Exported(4, 0));
        assertThat(Files.mismatch(fromSpool, fromFile)).isEqualTo(-1);
    }

    @Test
    void isBoundedBySizeDroppingTheOldestSegments() throws Exception {
        var pcap = capture(4, 600);
        var spool = PacketSpool.open(dir.resolve("small.packets"), Duration.ofDays(7), 2L << 20);
        var messages = analyze(pcap, spool);
        var segments = Files.list(dir.resolve("small.packets")).sorted().toList();
        long bytes = 0;
        for (var s : segments) bytes += Files.size(s);
        assertThat(bytes).isLessThanOrEqualTo((2L << 20) + (1L << 20) + 4096); // the bound, plus the segment being written
        assertThat(segments.getFirst().getFileName().toString()).isNotEqualTo(String.format("%019d.pcapng", T0 + 500_000));

        // the newest calls still export; the oldest are gone with their segment (nothing written for them)
        var newest = messages.stream().filter(s -> s.message().summary().equals("GET /items/2/599")).toList();
        assertThat(PacketExporter.export(newest, dir.resolve("new.pcapng"))).isEqualTo(new PacketExporter.Exported(2, 0));
        var oldest = messages.stream().filter(s -> s.message().summary().equals("GET /items/0/0")).toList();
        assertThat(PacketExporter.export(oldest, dir.resolve("old.pcapng"))).isEqualTo(new PacketExporter.Exported(0, 1));
    }

    @Test
    void isBoundedByAgeAndKeepsEarlierRunsSegments() throws Exception {
        var pcap = capture(4, 600); // 1.2 s of capture time
        analyze(pcap, PacketSpool.open(dir.resolve("aged.packets"), Duration.ofDays(7), 8L << 20));
        int before = Files.list(dir.resolve("aged.packets")).toList().size();
        // a second run over the same spool with a 0.5 s retention: every segment that ended before its newest is dropped
        var later = dir.resolve("later.pcap");
        try (var w = new PcapWriter(later, LinkTypes.ETHERNET)) {
            w.write(T0 + 10_000_000_000L, Frames.tcp("10.1.0.5", 42000, "10.1.0.9", 8080, 1, 1, 0x18, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        }
        analyze(later, PacketSpool.open(dir.resolve("aged.packets"), Duration.ofMillis(500), 8L << 20));
        var left = Files.list(dir.resolve("aged.packets")).sorted().toList();
        assertThat(before).isGreaterThan(2);
        assertThat(left).hasSize(2); // the last of the earlier run's segments (it may reach into the window), and the new one
        assertThat(left.getLast().getFileName().toString()).isEqualTo(String.format("%019d.pcapng", T0 + 10_000_000_000L));
    }

    @Test
    void aKeepAliveCallsExportStopsWhereTheNextCallStarts() throws Exception {
        var pcap = capture(1, 10); // one connection: request, response 0.5 ms later, the next request 0.5 ms after that
        var spool = PacketSpool.open(dir.resolve("k.packets"), Duration.ofDays(7), 8L << 20);
        var messages = analyze(pcap, spool);
        var third = messages.stream().filter(s -> s.message().summary().equals("GET /items/0/2")).toList();
        var out = dir.resolve("third.pcapng");
        assertThat(PacketExporter.export(third, out)).isEqualTo(new PacketExporter.Exported(2, 0));
        assertThat(paths(out)).containsExactly("GET /items/0/2");
    }

    @Test
    void writerReportsTheBytesOfEachBlock() {
        try (var w = new PcapngWriter(dir.resolve("one.pcapng"));
             var source = new PcapFileSource(capture(1, 1))) {
            var sizes = new ArrayList<Integer>();
            source.run(p -> sizes.add(w.write(p)));
            assertThat(sizes).allSatisfy(s -> assertThat(s % 4).isZero()).hasSize(2);
        }
    }
}
