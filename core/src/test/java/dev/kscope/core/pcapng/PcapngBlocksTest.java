package dev.kscope.core.pcapng;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file of {@link PcapngBlocks}' blocks (SHB with options, an IDB with every option and a bare one, EPBs with
 * direction and reception type, a VLAN tag put back, a truncated odd length, an ISB), read back by tshark and
 * capinfos: Wireshark's pcapng reader is the oracle. Needs tshark, not root.
 */
class PcapngBlocksTest {
    static Path dir, file;

    record Iface(int linkType, int snaplen, String name, String description, String comment,
                 List<Addr> addresses, String filter) implements PcapngBlocks.Interface {}

    record Addr(InetAddress address, int prefixLength) implements PcapngBlocks.Address {}

    record Counts(long captured, long received, long droppedByKernel, long droppedByInterface, long interfaceReceived)
            implements PcapngBlocks.Counters {}

    @BeforeAll
    static void write() throws IOException {
        dir = Files.createTempDirectory("pcapng-blocks");
        file = dir.resolve("blocks.pcapng");
        var out = new ByteArrayOutputStream();
        out.writeBytes(PcapngBlocks.sectionHeader("test machine", "Linux 6.18", "kscope test"));
        out.writeBytes(PcapngBlocks.interfaceDescription(new Iface(1, 262144, "default/web/eth0", "pod default/web (container nginx)",
                "namespace=default pod=web", List.of(new Addr(InetAddress.getByName("10.1.2.3"), 24),
                new Addr(InetAddress.getByName("fd00::5"), 64)), "udp port 53")));
        out.writeBytes(PcapngBlocks.interfaceDescription(() -> 101)); // raw IP, nothing else said
        var udp = ipv4Udp();
        var ether = new byte[14 + udp.length];
        System.arraycopy(new byte[]{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0}, 0, ether, 0, 14);
        System.arraycopy(udp, 0, ether, 14, udp.length);
        // inbound unicast; outbound with its VLAN tag put back; truncated to an odd length, no direction; raw IP multicast
        packet(out, 0, T0 + 1, ether, ether.length, ether.length, PcapngBlocks.INBOUND | 1 << 2, PcapngBlocks.NO_VLAN, 262144);
        packet(out, 0, T0 + 2, ether, ether.length, ether.length, PcapngBlocks.OUTBOUND, 0x8100_0000 | 0x2000 | 42, 262144);
        packet(out, 0, T0 + 3, ether, 21, ether.length, 0, PcapngBlocks.NO_VLAN, 262144);
        packet(out, 1, T0 + 4, udp, udp.length, udp.length, PcapngBlocks.INBOUND | 2 << 2, PcapngBlocks.NO_VLAN, 262144);
        out.writeBytes(PcapngBlocks.statistics(0, T0 + 5, T0, new Counts(3, 5, 2, 1, 9)));
        Files.write(file, out.toByteArray());
    }

    static final long T0 = 1_700_000_000_123_456_789L;

    static void packet(ByteArrayOutputStream out, int ifc, long ts, byte[] frame, int capLen, int origLen, int direction, int vlan, int snaplen) {
        int len = PcapngBlocks.packetLength(capLen, direction, vlan, snaplen);
        var block = new byte[len + 8];
        assertThat(PcapngBlocks.packet(MemorySegment.ofArray(block), 8, ifc, ts, MemorySegment.ofArray(frame), 0, capLen, origLen,
                direction, vlan, snaplen)).isEqualTo(len);
        out.write(block, 8, len);
    }

    /** 10.1.2.3:5353 -> 10.1.2.4:53, payload "abc". */
    static byte[] ipv4Udp() {
        var p = new byte[20 + 8 + 3];
        p[0] = 0x45;
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 17;
        System.arraycopy(new byte[]{10, 1, 2, 3, 10, 1, 2, 4}, 0, p, 12, 8);
        p[20] = (byte) (5353 >> 8);
        p[21] = (byte) (5353 & 0xff);
        p[23] = 53;
        p[25] = 11;
        System.arraycopy("abc".getBytes(StandardCharsets.US_ASCII), 0, p, 28, 3);
        return p;
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var files = Files.walk(dir)) {
            for (var f : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    @Test
    void wiresharkReadsTheHeadersAndEveryPacket() throws Exception {
        var info = run("capinfos", file.toString());
        assertThat(info).contains("Capture hardware:    test machine", "Capture oper-sys:    Linux 6.18", "Capture application: kscope test",
                "Number of interfaces in file: 2");
        var first = info.substring(info.indexOf("Interface #0 info:"), info.indexOf("Interface #1 info:"));
        assertThat(first).contains("Name = default/web/eth0", "Description = pod default/web (container nginx)",
                "Comment = namespace=default pod=web", "Encapsulation = Ethernet (1 - ether)", "Capture length = 262144",
                "Time precision = nanoseconds (9)", "Filter string = udp port 53", "Number of stat entries = 1", "Number of packets = 3");
        var second = info.substring(info.indexOf("Interface #1 info:"));
        assertThat(second).contains("Encapsulation = Raw IP (7 - rawip)", "Capture length = 0", "Time precision = nanoseconds (9)",
                "Number of stat entries = 0", "Number of packets = 1").doesNotContain("Name =", "Filter string");

        var packets = run("tshark", "-r", file.toString(), "-T", "fields", "-E", "separator=|", "-e", "frame.interface_id",
                "-e", "frame.interface_name", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len",
                "-e", "frame.packet_flags_direction", "-e", "frame.packet_flags_reception_type", "-e", "vlan.id", "-e", "vlan.priority",
                "-e", "ip.dst", "-e", "udp.dstport");
        assertThat(packets.lines()).containsExactly(
                "0|default/web/eth0|1700000000.123456790|45|45|0x00000001|1|||10.1.2.4|53",
                "0|default/web/eth0|1700000000.123456791|49|49|0x00000002|0|42|1|10.1.2.4|53", // the tag back in place: what follows it still decodes
                "0|default/web/eth0|1700000000.123456792|45|21||||||", // 21 of 45 bytes: not even the IP header
                "1|unknown|1700000000.123456793|31|31|0x00000001|2|||10.1.2.4|53");
    }

    /** What Wireshark 4.0 reads but shows nowhere (capinfos counts the ISB, above): decoded here by the spec's option codes. */
    @Test
    void statisticsCountersAndInterfaceAddressesAreTheSpecsOptions() throws IOException {
        var b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        Map<Integer, List<byte[]>> idb0 = null, isb = null;
        for (int pos = 0, idbs = 0; pos < b.limit(); pos += b.getInt(pos + 4)) {
            int type = b.getInt(pos);
            if (type == PcapngBlocks.IDB && idbs++ == 0) idb0 = options(b, pos, 16);
            if (type == PcapngBlocks.ISB) {
                assertThat(b.getInt(pos + 8)).as("interface id").isZero();
                assertThat((long) b.getInt(pos + 12) << 32 | b.getInt(pos + 16) & 0xffffffffL).isEqualTo(T0 + 5);
                isb = options(b, pos, 20);
            }
        }
        assertThat(idb0.get(4)).singleElement().isEqualTo(new byte[]{10, 1, 2, 3, (byte) 255, (byte) 255, (byte) 255, 0});
        var v6 = new byte[17];
        v6[0] = (byte) 0xfd;
        v6[15] = 5;
        v6[16] = 64;
        assertThat(idb0.get(5)).singleElement().isEqualTo(v6);
        assertThat(timestamp(isb.get(2).getFirst())).as("isb_starttime").isEqualTo(T0);
        assertThat(timestamp(isb.get(3).getFirst())).as("isb_endtime").isEqualTo(T0 + 5);
        assertThat(u64(isb.get(4).getFirst())).as("isb_ifrecv").isEqualTo(9);
        assertThat(u64(isb.get(5).getFirst())).as("isb_ifdrop").isEqualTo(1);
        assertThat(u64(isb.get(6).getFirst())).as("isb_filteraccept").isEqualTo(5);
        assertThat(u64(isb.get(7).getFirst())).as("isb_osdrop").isEqualTo(2);
        assertThat(u64(isb.get(8).getFirst())).as("isb_usrdeliv").isEqualTo(3);
    }

    /** The options of the block at {@code pos} whose fixed part is {@code fixed} bytes long, by code; checks the trailing length. */
    static Map<Integer, List<byte[]>> options(ByteBuffer b, int pos, int fixed) {
        int len = b.getInt(pos + 4);
        assertThat(b.getInt(pos + len - 4)).as("trailing length").isEqualTo(len);
        var out = new HashMap<Integer, List<byte[]>>();
        for (int o = pos + fixed; ; ) {
            int code = b.getShort(o) & 0xffff, olen = b.getShort(o + 2) & 0xffff;
            if (code == 0) {
                assertThat(o + 4).as("opt_endofopt ends the options").isEqualTo(pos + len - 4);
                return out;
            }
            out.computeIfAbsent(code, c -> new ArrayList<>()).add(Arrays.copyOfRange(b.array(), o + 4, o + 4 + olen));
            o += 4 + ((olen + 3) & ~3);
        }
    }

    static long u64(byte[] v) {
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    /** Upper 32 bits first, each in the file's byte order. */
    static long timestamp(byte[] v) {
        var b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        return (long) b.getInt(0) << 32 | b.getInt(4) & 0xffffffffL;
    }

    /** Runs a Wireshark tool: exit 0, nothing on stderr but the warning about running as root. */
    static String run(String... cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr").toFile()).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
        assertThat(Files.readString(dir.resolve("stderr")).lines().filter(l -> !l.startsWith("Running as user"))).as(cmd[0] + " stderr").isEmpty();
        return out;
    }
}
