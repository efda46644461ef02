package dev.kscope.capture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kscope and tcpdump capture the same interface at the same time: the same packets, byte for byte. */
@Tag("root")
class CaptureMatchesTcpdumpTest {
    static NetnsPair net;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        net = new NetnsPair("m", 1);
        dir = Files.createTempDirectory("cap2-m");
    }

    @AfterAll
    static void tearDown() throws Exception {
        net.close();
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void capturesTheSamePacketsAsTcpdump() throws Exception {
        var ours = captureAlongsideTcpdump("all", CaptureOptions.defaults());
        assertThat(ours.packets()).hasSizeGreaterThan(60);
        assertThat(ours.packets()).extracting(Tools.Packet::origLen).anyMatch(len -> len > 1514); // GRO/GSO super-packets too
    }

    @Test
    void snaplenCutsPacketsLikeTcpdump() throws Exception {
        var ours = captureAlongsideTcpdump("snap", CaptureOptions.defaults().withSnaplen(64), "-s", "64");
        assertThat(ours.packets()).allMatch(p -> p.data().length <= 64);
        assertThat(ours.packets()).anyMatch(p -> p.origLen() > 64 && p.data().length == 64);
    }

    @Test
    void anyCapturesEveryInterfaceLikeTcpdumpAny() throws Exception {
        var theirsFile = dir.resolve("any.pcap");
        var oursFile = dir.resolve("any.pcapng");
        var tcpdump = new Tools.Tcpdump(net.a, CaptureTarget.ANY, theirsFile, "-B", "16384");
        Capture.Result result;
        long tcpdumpDrops;
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(CaptureTarget.ANY))),
                CaptureOptions.defaults().withBufferBytes(4 << 20), PcapngOutput.toFile(oursFile, PcapngOutput.Rotation.NONE))) {
            assertThat(Tools.run("ip", "-n", net.a, "-d", "link", "show", net.ifA)).as("like tcpdump -i any: not promiscuous")
                    .contains("promiscuity 0");
            Traffic.mixed(net);
            Tools.run("ip", "netns", "exec", net.a, "busybox", "ping", "-c", "5", "-i", "0.05", "127.0.0.1");
            Thread.sleep(300);
            tcpdumpDrops = tcpdump.stop();
            capture.stop();
            result = capture.await();
        }
        assertThat(tcpdumpDrops).isZero();
        assertThat(result.stats().droppedByKernel()).isZero();
        var ours = Tools.readPcapng(oursFile);
        assertThat(ours.interfaceNames()).containsExactlyInAnyOrder(net.a + "/lo", net.a + "/" + net.ifA);
        // tcpdump -i any writes cooked headers (LINUX_SLL2: interface index at 4, 20 bytes); we keep each
        // interface's own Ethernet header (14 bytes) and name the interface in its IDB: compare what follows
        var names = new java.util.HashMap<Integer, String>();
        for (var line : Tools.run("ip", "-n", net.a, "-o", "link").lines().toList()) {
            var f = line.split(":\\s+");
            names.put(Integer.parseInt(f[0].strip()), f[1].replaceAll("@.*", ""));
        }
        var theirs = Tools.readPcap(theirsFile).stream()
                .map(p -> names.get(java.nio.ByteBuffer.wrap(p.data()).getInt(4)) + " " + p.origLen() + " "
                        + java.util.HexFormat.of().formatHex(p.data(), 20, p.data().length)).toList();
        var oursAsTheirs = ours.packets().stream()
                .map(p -> ours.interfaceNames().get(p.iface()).replaceAll(".*/", "") + " " + (p.origLen() + 6) + " "
                        + java.util.HexFormat.of().formatHex(p.data(), 14, p.data().length)).toList();
        assertThat(theirs).hasSizeGreaterThan(70).anyMatch(p -> p.startsWith("lo ")).anyMatch(p -> p.startsWith(net.ifA + " "));
        assertThat(oursAsTheirs).containsExactlyInAnyOrderElementsOf(theirs);
        Tools.assertWiresharkReadsCleanly(oursFile);
    }

    /** The packets per destination MAC address, in capture order. */
    private static java.util.Map<String, List<Tools.Packet>> byDirection(List<Tools.Packet> packets) {
        var out = new java.util.TreeMap<String, List<Tools.Packet>>();
        for (var p : packets) out.computeIfAbsent(java.util.HexFormat.of().formatHex(p.data(), 0, 6), k -> new java.util.ArrayList<>()).add(p);
        return out;
    }

    private Tools.Pcapng captureAlongsideTcpdump(String name, CaptureOptions options, String... tcpdumpArgs) throws Exception {
        var theirsFile = dir.resolve(name + ".pcap");
        var oursFile = dir.resolve(name + ".pcapng");
        var tcpdump = new Tools.Tcpdump(net.a, net.ifA, theirsFile, tcpdumpArgs);
        Capture.Result result;
        long tcpdumpDrops;
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))), options.withBufferBytes(4 << 20),
                PcapngOutput.toFile(oursFile, PcapngOutput.Rotation.NONE))) {
            Traffic.mixed(net);
            Thread.sleep(300);
            tcpdumpDrops = tcpdump.stop();
            capture.stop();
            result = capture.await();
        }
        var theirs = Tools.readPcap(theirsFile);
        var ours = Tools.readPcapng(oursFile);
        assertThat(result.stats().droppedByKernel()).isZero();
        if (tcpdumpDrops > 0) { // a loaded machine: tcpdump lost some, so all we can say is that we have all it has
            assertThat(ours.packets()).containsSubsequence(theirs);
            return ours;
        }
        // Byte for byte the same packets. Each socket is handed the two directions of the veth on its own, so
        // packets crossing at the same instant (a FIN and its ACK) may be queued in either order: the order is
        // compared per direction, where it is fixed.
        assertThat(ours.packets()).containsExactlyInAnyOrderElementsOf(theirs);
        var oursByDirection = byDirection(ours.packets());
        var theirsByDirection = byDirection(theirs);
        assertThat(oursByDirection).isEqualTo(theirsByDirection);
        theirsByDirection.forEach((direction, list) -> { // each socket stamps the packet itself, microseconds apart
            for (int i = 0; i < list.size(); i++) {
                assertThat(oursByDirection.get(direction).get(i).tsNanos()).isCloseTo(list.get(i).tsNanos(), org.assertj.core.data.Offset.offset(1_000_000L));
            }
        });
        assertThat(result.stats().captured()).isEqualTo(theirs.size());
        assertThat(result.stats().droppedByKernel()).isZero();
        assertThat(ours.statistics()).isEqualTo(1);
        Tools.assertWiresharkReadsCleanly(oursFile);
        return ours;
    }
}
