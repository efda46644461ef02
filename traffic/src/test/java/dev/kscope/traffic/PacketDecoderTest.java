package dev.kscope.traffic;

import dev.kscope.traffic.decode.DecodedPacket;
import dev.kscope.traffic.decode.PacketDecoder;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.Packet;
import dev.kscope.traffic.reassembly.FlowKey;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Link layers and IP variants tcpdump writes: Ethernet (+VLAN), Linux cooked v1/v2, raw IP, BSD loopback. */
class PacketDecoderTest {
    static final byte[] PAYLOAD = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static DecodedPacket decode(int linkType, byte[] frame) {
        var d = new DecodedPacket();
        var ok = new PacketDecoder().decode(new Packet(0, 1, linkType, MemorySegment.ofArray(frame), frame.length), d);
        assertThat(ok).as("decoded").isTrue();
        return d;
    }

    static void assertTcp(DecodedPacket d, String src, String dst) {
        assertThat(d.protocol).isEqualTo(DecodedPacket.TCP);
        assertThat(FlowKey.format(d.srcHi, d.srcLo)).isEqualTo(src);
        assertThat(FlowKey.format(d.dstHi, d.dstLo)).isEqualTo(dst);
        assertThat(d.srcPort).isEqualTo(40000);
        assertThat(d.dstPort).isEqualTo(80);
        assertThat(d.payload.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(PAYLOAD);
    }

    @Test
    void ethernetVlanSllSll2RawAndLoopback() {
        var eth = Frames.tcp("10.0.0.1", 40000, "10.0.0.2", 80, 1, 0, 0x18, PAYLOAD);
        var ip = Arrays.copyOfRange(eth, 14, eth.length);
        assertTcp(decode(LinkTypes.ETHERNET, eth), "10.0.0.1", "10.0.0.2");

        var vlan = ByteBuffer.allocate(eth.length + 4).put(eth, 0, 12).putShort((short) 0x8100).putShort((short) 42)
                .put(eth, 12, eth.length - 12).array();
        assertTcp(decode(LinkTypes.ETHERNET, vlan), "10.0.0.1", "10.0.0.2");

        var sll = ByteBuffer.allocate(16 + ip.length).putShort((short) 0).putShort((short) 1).putShort((short) 6)
                .put(new byte[8]).putShort((short) 0x0800).put(ip).array();
        assertTcp(decode(LinkTypes.LINUX_SLL, sll), "10.0.0.1", "10.0.0.2");

        var sll2 = ByteBuffer.allocate(20 + ip.length).putShort((short) 0x0800).putShort((short) 0).putInt(1)
                .putShort((short) 1).put((byte) 0).put((byte) 6).put(new byte[8]).put(ip).array();
        assertTcp(decode(LinkTypes.LINUX_SLL2, sll2), "10.0.0.1", "10.0.0.2");

        assertTcp(decode(LinkTypes.RAW, ip), "10.0.0.1", "10.0.0.2");
        var loop = ByteBuffer.allocate(4 + ip.length).putInt(Integer.reverseBytes(2)).put(ip).array();
        assertTcp(decode(LinkTypes.NULL, loop), "10.0.0.1", "10.0.0.2");
    }

    @Test
    void ipv6WithExtensionHeadersAndEthernetPadding() {
        var v6 = Frames.tcp("2001:db8::1", 40000, "2001:db8::2", 80, 1, 0, 0x18, PAYLOAD);
        assertTcp(decode(LinkTypes.ETHERNET, v6), "2001:db8::1", "2001:db8::2");

        // Insert a hop-by-hop options header (8 bytes) between the IPv6 header and TCP.
        var withExt = ByteBuffer.allocate(v6.length + 8);
        withExt.put(v6, 0, 14 + 6).put((byte) 0).put(v6, 14 + 7, 33); // next header = 0 (hop-by-hop)
        withExt.put((byte) 6).put((byte) 0).put(new byte[]{1, 4, 0, 0, 0, 0}).put(v6, 54, v6.length - 54);
        var f = withExt.array();
        ByteBuffer.wrap(f).putShort(14 + 4, (short) (v6.length - 54 + 8)); // payload length grows by 8
        assertTcp(decode(LinkTypes.ETHERNET, f), "2001:db8::1", "2001:db8::2");

        // Ethernet pads short frames: the IP total length, not the frame, bounds the payload.
        var small = Frames.tcp("10.0.0.1", 40000, "10.0.0.2", 80, 1, 0, 0x10, new byte[0]);
        var padded = Arrays.copyOf(small, 60);
        assertThat(decode(LinkTypes.ETHERNET, padded).payload.byteSize()).isZero();
    }

    @Test
    void nonFirstFragmentsAndOtherProtocolsAreSkipped() {
        var f = Frames.tcp("10.0.0.1", 40000, "10.0.0.2", 80, 1, 0, 0x18, PAYLOAD);
        ByteBuffer.wrap(f).putShort(14 + 6, (short) 0x0010); // fragment offset 16
        var decoder = new PacketDecoder();
        assertThat(decoder.decode(new Packet(0, 1, LinkTypes.ETHERNET, MemorySegment.ofArray(f), f.length), new DecodedPacket())).isFalse();
        var arp = ByteBuffer.allocate(42).put(new byte[12]).putShort((short) 0x0806).array();
        assertThat(decoder.decode(new Packet(1, 1, LinkTypes.ETHERNET, MemorySegment.ofArray(arp), 42), new DecodedPacket())).isFalse();
        assertThat(decoder.skipped()).isEqualTo(2);
    }
}
