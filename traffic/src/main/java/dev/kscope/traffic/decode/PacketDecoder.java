package dev.kscope.traffic.decode;

import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.Packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Link (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback) -> IPv4/IPv6 (extension headers)
 * -> TCP/UDP. Fragments other than the first and anything that is not TCP/UDP are skipped.
 */
public final class PacketDecoder {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long V4_MAPPED_HI = 0L;
    private static final long V4_MAPPED_LO_PREFIX = 0x0000FFFF00000000L;

    private long skipped;

    /** Packets that were not TCP/UDP over IP or were malformed. */
    public long skipped() {
        return skipped;
    }

    /** Fills {@code out}; returns false when the packet carries no TCP/UDP we can use. */
    public boolean decode(Packet p, DecodedPacket out) {
        var d = p.data();
        long n = d.byteSize();
        int off;
        int etherType;
        switch (p.linkType()) {
            case LinkTypes.ETHERNET -> {
                if (n < 14) return skip();
                etherType = u16(d, 12);
                off = 14;
                while ((etherType == 0x8100 || etherType == 0x88A8) && off + 4 <= n) {
                    etherType = u16(d, off + 2);
                    off += 4;
                }
            }
            case LinkTypes.LINUX_SLL -> {
                if (n < 16) return skip();
                etherType = u16(d, 14);
                off = 16;
            }
            case LinkTypes.LINUX_SLL2 -> {
                if (n < 20) return skip();
                etherType = u16(d, 0);
                off = 20;
            }
            case LinkTypes.RAW, LinkTypes.IPV4, LinkTypes.IPV6 -> {
                if (n < 1) return skip();
                etherType = (d.get(ValueLayout.JAVA_BYTE, 0) & 0xF0) == 0x60 ? 0x86DD : 0x0800;
                off = 0;
            }
            case LinkTypes.NULL -> {
                if (n < 5) return skip();
                etherType = (d.get(ValueLayout.JAVA_BYTE, 4) & 0xF0) == 0x60 ? 0x86DD : 0x0800;
                off = 4;
            }
            default -> {
                return skip();
            }
        }
        out.index = p.index();
        out.timestampNanos = p.timestampNanos();
        out.frame = d;
        out.frameOriginalLength = p.originalLength();
        out.linkType = p.linkType();
        int wireCut = Math.max(0, p.originalLength() - (int) n);
        if (etherType == 0x0800) return ipv4(d, off, n, out, wireCut);
        if (etherType == 0x86DD) return ipv6(d, off, n, out, wireCut);
        return skip();
    }

    private boolean ipv4(MemorySegment d, int off, long n, DecodedPacket out, int wireCut) {
        if (off + 20 > n) return skip();
        int vihl = u8(d, off);
        int ihl = (vihl & 0x0F) * 4;
        if ((vihl >> 4) != 4 || ihl < 20 || off + ihl > n) return skip();
        int total = u16(d, off + 2);
        int fragOffset = u16(d, off + 6) & 0x1FFF;
        if (fragOffset != 0) return skip();
        out.ipVersion = 4;
        out.protocol = u8(d, off + 9);
        out.srcHi = V4_MAPPED_HI;
        out.srcLo = V4_MAPPED_LO_PREFIX | Integer.toUnsignedLong(d.get(U32, off + 12));
        out.dstHi = V4_MAPPED_HI;
        out.dstLo = V4_MAPPED_LO_PREFIX | Integer.toUnsignedLong(d.get(U32, off + 16));
        // Trust the IP total length over the frame length: Ethernet pads short frames. total==0 happens with TSO.
        long end = total == 0 ? n : Math.min(n, off + (long) total);
        int cut = total == 0 ? wireCut : (int) Math.max(0, off + (long) total - n);
        return transport(d, off + ihl, end, out, cut);
    }

    private boolean ipv6(MemorySegment d, int off, long n, DecodedPacket out, int wireCut) {
        if (off + 40 > n) return skip();
        if ((u8(d, off) >> 4) != 6) return skip();
        int payloadLen = u16(d, off + 4);
        int next = u8(d, off + 6);
        out.ipVersion = 6;
        out.srcHi = d.get(U64, off + 8);
        out.srcLo = d.get(U64, off + 16);
        out.dstHi = d.get(U64, off + 24);
        out.dstLo = d.get(U64, off + 32);
        long end = payloadLen == 0 ? n : Math.min(n, off + 40L + payloadLen);
        int cut = payloadLen == 0 ? wireCut : (int) Math.max(0, off + 40L + payloadLen - n);
        int p = off + 40;
        for (int hops = 0; hops < 8; hops++) {
            switch (next) {
                case 0, 43, 60 -> { // hop-by-hop, routing, destination options
                    if (p + 8 > end) return skip();
                    next = u8(d, p);
                    p += (u8(d, p + 1) + 1) * 8;
                }
                case 44 -> { // fragment: only the first fragment carries the transport header
                    if (p + 8 > end) return skip();
                    if ((u16(d, p + 2) & 0xFFF8) != 0) return skip();
                    next = u8(d, p);
                    p += 8;
                }
                default -> {
                    out.protocol = next;
                    return transport(d, p, end, out, cut);
                }
            }
        }
        return skip();
    }

    private boolean transport(MemorySegment d, int off, long end, DecodedPacket out, int cut) {
        if (out.protocol == DecodedPacket.TCP) {
            if (off + 20 > end) return skip();
            int doff = (u8(d, off + 12) >> 4) * 4;
            if (doff < 20 || off + doff > end) return skip();
            out.srcPort = u16(d, off);
            out.dstPort = u16(d, off + 2);
            out.seq = d.get(U32, off + 4);
            out.ack = d.get(U32, off + 8);
            out.flags = u8(d, off + 13);
            out.payload = d.asSlice(off + doff, end - off - doff);
            out.payloadCut = cut;
            return true;
        }
        if (out.protocol == DecodedPacket.UDP) {
            if (off + 8 > end) return skip();
            out.srcPort = u16(d, off);
            out.dstPort = u16(d, off + 2);
            int udpLen = u16(d, off + 4);
            long stop = udpLen >= 8 ? Math.min(end, off + (long) udpLen) : end;
            out.flags = 0;
            out.payload = d.asSlice(off + 8, stop - off - 8);
            out.payloadCut = cut;
            return true;
        }
        return skip();
    }

    private boolean skip() {
        skipped++;
        return false;
    }

    private static int u8(MemorySegment d, long off) {
        return d.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static int u16(MemorySegment d, long off) {
        return d.get(U16, off) & 0xFFFF;
    }
}
