package dev.kscope.traffic.pcap;

import dev.kscope.core.KscopeException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The pcap and pcapng formats, one record (or block) at a time, over bytes someone else holds: the mapped file
 * ({@link PcapFileSource}) or a stream's buffer ({@link PcapStreamSource}). Packets are slices of those bytes.
 */
final class CaptureReader {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int PCAPNG_SHB = 0x0A0D0D0A;
    /** Largest record or block accepted; anything bigger means the file is corrupt. */
    static final int MAX_RECORD = 64 << 20;

    private enum Format {UNKNOWN, PCAP, PCAPNG}

    private final String name;
    private Format format = Format.UNKNOWN;
    private boolean bigEndian; // the file's byte order (read with a constant layout: the JIT then inlines the access)
    private long nanosPerFraction;
    private int pcapLinkType;
    private final List<int[]> interfaces = new ArrayList<>();   // {linkType, snaplen}
    private final List<Long> resolutions = new ArrayList<>();   // units per second
    private long packets;

    CaptureReader(String name) {
        this.name = name;
    }

    long packets() {
        return packets;
    }

    /**
     * Reads the record or block at {@code pos} (the bytes end at {@code limit}), handing a packet to
     * {@code handler} if it is one. Returns the bytes consumed, or 0 when the record is not complete yet.
     */
    long next(MemorySegment in, long pos, long limit, PacketHandler handler) {
        long avail = limit - pos;
        if (format == Format.UNKNOWN) {
            if (avail < 24) return 0;
            int magic = in.get(INT_BE, pos);
            switch (magic) {
                case 0xA1B2C3D4 -> pcap(true, 1000);
                case 0xD4C3B2A1 -> pcap(false, 1000);
                case 0xA1B23C4D -> pcap(true, 1);
                case 0x4D3CB2A1 -> pcap(false, 1);
                case PCAPNG_SHB -> {
                    format = Format.PCAPNG;
                    return block(in, pos, avail, handler);
                }
                default -> throw new KscopeException(String.format(
                        "cannot read %s: unknown file magic 0x%08x (expected a pcap or pcapng capture, e.g. from tcpdump -w)", name, magic));
            }
            pcapLinkType = i32(in, pos + 20) & 0x0FFFFFFF; // upper bits may carry FCS info
            return 24;
        }
        return format == Format.PCAP ? record(in, pos, avail, handler) : block(in, pos, avail, handler);
    }

    private void pcap(boolean bigEndian, long nanosPerFraction) {
        format = Format.PCAP;
        this.bigEndian = bigEndian;
        this.nanosPerFraction = nanosPerFraction;
    }

    private int i32(MemorySegment in, long at) {
        int v = in.get(INT_LE, at);
        return bigEndian ? Integer.reverseBytes(v) : v;
    }

    private int u16(MemorySegment in, long at) {
        short v = in.get(SHORT_LE, at);
        return Short.toUnsignedInt(bigEndian ? Short.reverseBytes(v) : v);
    }

    private long record(MemorySegment in, long pos, long avail, PacketHandler handler) {
        if (avail < 16) return 0;
        long sec = Integer.toUnsignedLong(i32(in, pos));
        long frac = Integer.toUnsignedLong(i32(in, pos + 4));
        long incl = Integer.toUnsignedLong(i32(in, pos + 8));
        int orig = i32(in, pos + 12);
        if (incl > MAX_RECORD) {
            throw new KscopeException("cannot read " + name + ": packet record at offset " + pos + " claims " + incl
                    + " bytes (the file is corrupt; try 'tcpdump -r' on it)");
        }
        if (avail < 16 + incl) return 0;
        handler.onPacket(new Packet(packets++, sec * 1_000_000_000L + frac * nanosPerFraction, pcapLinkType,
                in.asSlice(pos + 16, incl), orig));
        return 16 + incl;
    }

    private long block(MemorySegment in, long pos, long avail, PacketHandler handler) {
        if (avail < 12) return 0;
        int type = i32(in, pos);
        if (type == PCAPNG_SHB) {
            int bom = in.get(INT_LE, pos + 8);
            if (bom == 0x1A2B3C4D) {
                bigEndian = false;
            } else if (bom == 0x4D3C2B1A) {
                bigEndian = true;
            } else {
                throw new KscopeException("cannot read " + name + ": bad pcapng byte-order magic at offset " + pos + " (the file is corrupt)");
            }
            interfaces.clear();
            resolutions.clear();
        }
        long len = Integer.toUnsignedLong(i32(in, pos + 4));
        if (len < 12 || (len & 3) != 0 || len > MAX_RECORD) {
            throw new KscopeException("cannot read " + name + ": pcapng block at offset " + pos + " has length " + len + " (the file is corrupt)");
        }
        if (avail < len) return 0;
        switch (type) {
            case 1 -> { // Interface Description Block
                interfaces.add(new int[]{u16(in, pos + 8), i32(in, pos + 12)});
                resolutions.add(tsResolution(in, pos + 16, pos + len - 4));
            }
            case 6 -> { // Enhanced Packet Block
                int ifc = i32(in, pos + 8);
                long ts = (Integer.toUnsignedLong(i32(in, pos + 12)) << 32) | Integer.toUnsignedLong(i32(in, pos + 16));
                long cap = Integer.toUnsignedLong(i32(in, pos + 20));
                int orig = i32(in, pos + 24);
                if (ifc < 0 || ifc >= interfaces.size() || 28 + cap > len) {
                    throw new KscopeException("cannot read " + name + ": packet block at offset " + pos
                            + " refers to an unknown interface or overruns its block (the file is corrupt)");
                }
                handler.onPacket(new Packet(packets++, toNanos(ts, resolutions.get(ifc)), interfaces.get(ifc)[0],
                        in.asSlice(pos + 28, cap), orig));
            }
            case 3 -> { // Simple Packet Block: interface 0, no timestamp
                if (interfaces.isEmpty()) {
                    throw new KscopeException("cannot read " + name + ": simple packet block before any interface block (the file is corrupt)");
                }
                int orig = i32(in, pos + 8);
                int snap = interfaces.getFirst()[1];
                long cap = Math.min(Integer.toUnsignedLong(orig), snap == 0 ? len - 16 : Math.min(snap, len - 16));
                handler.onPacket(new Packet(packets++, 0, interfaces.getFirst()[0], in.asSlice(pos + 12, cap), orig));
            }
            default -> { // section header, name resolution, statistics, custom: nothing to dissect
            }
        }
        return len;
    }

    /** if_tsresol (option 9): units per second; default microseconds. */
    private long tsResolution(MemorySegment in, long opt, long end) {
        while (opt + 4 <= end) {
            int code = u16(in, opt);
            int olen = u16(in, opt + 2);
            if (code == 0) break;
            if (code == 9 && olen >= 1) {
                int v = in.get(ValueLayout.JAVA_BYTE, opt + 4) & 0xFF;
                int exp = v & 0x7F;
                if ((v & 0x80) != 0) return exp >= 62 ? Long.MAX_VALUE : 1L << exp;
                long r = 1;
                for (int k = 0; k < Math.min(exp, 18); k++) r *= 10;
                return r;
            }
            opt += 4 + ((olen + 3) & ~3);
        }
        return 1_000_000;
    }

    private static long toNanos(long ts, long unitsPerSecond) {
        if (unitsPerSecond == 1_000_000_000L) return ts;
        if (unitsPerSecond == 1_000_000L) return ts * 1000;
        long sec = ts / unitsPerSecond;
        long rem = ts % unitsPerSecond;
        return sec * 1_000_000_000L + (long) (rem * (1e9 / unitsPerSecond));
    }
}
