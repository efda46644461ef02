package dev.kscope.core.pcapng;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The pcapng blocks kscope writes (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html), in the
 * machine's byte order and with nanosecond timestamps: SHB, IDB with options, EPB, ISB. Only the encoding: where
 * the bytes go (O_DIRECT chunks for a live capture, a buffered stream for an export) is the caller's business.
 * The header blocks come as arrays; a packet is encoded in place into the caller's buffer, allocating nothing.
 */
public final class PcapngBlocks {
    public static final int SHB = 0x0A0D0D0A, IDB = 1, ISB = 5, EPB = 6;
    /** epb_flags bits: direction. */
    public static final int INBOUND = 1, OUTBOUND = 2;
    /** {@link #packet}'s vlanTag when the kernel took no 802.1Q tag out of the frame. */
    public static final int NO_VLAN = -1;

    private static final int TS_RESOLUTION_NANOS = 9;

    private PcapngBlocks() {}

    /** What an Interface Description Block tells of an interface; all but the link type may be left out. */
    public interface Interface {
        /** The LINKTYPE_ value (1 Ethernet, 101 raw IP). */
        int linkType();

        /** 0: no limit. */
        default int snaplen() {
            return 0;
        }

        default String name() {
            return null;
        }

        default String description() {
            return null;
        }

        default String comment() {
            return null;
        }

        default List<? extends Address> addresses() {
            return List.of();
        }

        /** The capture filter, in tcpdump's syntax. */
        default String filter() {
            return null;
        }
    }

    /** An interface address with its prefix length (if_IPv4addr, if_IPv6addr). */
    public interface Address {
        InetAddress address();

        int prefixLength();
    }

    /** An Interface Statistics Block's counters, since the capture started. */
    public interface Counters {
        /** Packets written to the output (isb_usrdeliv). */
        long captured();

        /** Packets the filter accepted (isb_filteraccept). */
        long received();

        /** Accepted packets lost because the buffer was full (isb_osdrop). */
        long droppedByKernel();

        /** Packets the interface itself dropped (isb_ifdrop). */
        long droppedByInterface();

        /** Packets the interface received and sent (isb_ifrecv). */
        long interfaceReceived();
    }

    /** A Section Header Block; null or empty strings are left out. */
    public static byte[] sectionHeader(String hardware, String os, String application) {
        var opts = new Options().string(2, hardware).string(3, os).string(4, application);
        var b = block(SHB, 24, opts);
        b.set(JAVA_INT_UNALIGNED, 8, 0x1A2B3C4D);
        b.set(JAVA_SHORT_UNALIGNED, 12, (short) 1);
        b.set(JAVA_SHORT_UNALIGNED, 14, (short) 0);
        b.set(JAVA_LONG_UNALIGNED, 16, -1L); // section length unknown
        return b.toArray(JAVA_BYTE);
    }

    /** An Interface Description Block with nanosecond timestamps (if_tsresol 9). */
    public static byte[] interfaceDescription(Interface info) {
        var opts = new Options().string(2, info.name()).string(3, info.description()).string(1, info.comment());
        for (var a : info.addresses()) {
            var bytes = a.address().getAddress();
            if (a.address() instanceof Inet4Address) {
                int mask = a.prefixLength() == 0 ? 0 : -1 << (32 - a.prefixLength());
                opts.bytes(4, concat(bytes, new byte[]{(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask}));
            } else {
                opts.bytes(5, concat(bytes, new byte[]{(byte) a.prefixLength()}));
            }
        }
        opts.bytes(9, new byte[]{TS_RESOLUTION_NANOS});
        if (info.filter() != null && !info.filter().isEmpty()) {
            opts.bytes(11, concat(new byte[]{0}, info.filter().getBytes(StandardCharsets.UTF_8)));
        }
        var b = block(IDB, 16, opts);
        b.set(JAVA_SHORT_UNALIGNED, 8, (short) info.linkType());
        b.set(JAVA_SHORT_UNALIGNED, 10, (short) 0);
        b.set(JAVA_INT_UNALIGNED, 12, info.snaplen());
        return b.toArray(JAVA_BYTE);
    }

    /** An Interface Statistics Block: the counters at {@code timestampNanos} of a capture begun at {@code startNanos}. */
    public static byte[] statistics(int interfaceId, long timestampNanos, long startNanos, Counters c) {
        var opts = new Options()
                .timestamp(2, startNanos).timestamp(3, timestampNanos)
                .u64(4, c.interfaceReceived()).u64(5, c.droppedByInterface()).u64(6, c.received())
                .u64(7, c.droppedByKernel()).u64(8, c.captured());
        var b = block(ISB, 20, opts);
        b.set(JAVA_INT_UNALIGNED, 8, interfaceId);
        b.set(JAVA_INT_UNALIGNED, 12, (int) (timestampNanos >>> 32));
        b.set(JAVA_INT_UNALIGNED, 16, (int) timestampNanos);
        return b.toArray(JAVA_BYTE);
    }

    /** The length of the Enhanced Packet Block {@link #packet} writes for these arguments. */
    public static int packetLength(int capLen, int direction, int vlanTag, int snaplen) {
        return 28 + ((storedLength(capLen, vlanTag, snaplen) + 3) & ~3) + (direction != 0 ? 12 : 0) + 4;
    }

    /** {@link #packetLength(int, int, int, int)} for a frame as it was captured: no direction, no VLAN tag to put back. */
    public static int packetLength(int capLen) {
        return packetLength(capLen, 0, NO_VLAN, capLen);
    }

    /** {@link #packet} for a frame as it was captured: no direction, no VLAN tag to put back. */
    public static int packet(MemorySegment dst, long at, int interfaceId, long timestampNanos, MemorySegment src, long offset,
                             int capLen, int origLen) {
        return packet(dst, at, interfaceId, timestampNanos, src, offset, capLen, origLen, 0, NO_VLAN, capLen);
    }

    /**
     * Writes an Enhanced Packet Block at {@code at} in {@code dst}, which has room for {@link #packetLength}
     * bytes, and returns that length. {@code capLen} bytes are copied from {@code src} at {@code offset};
     * {@code direction} (epb_flags: {@link #INBOUND} or {@link #OUTBOUND}, with the reception type in bits 2-4) is
     * left out when 0. When {@code vlanTag} is not {@link #NO_VLAN}, the 802.1Q tag (TPID in the upper 16 bits,
     * TCI in the lower) the kernel took out of the frame is put back after the two MAC addresses, as libpcap does,
     * and the frame grows by 4 bytes (capped at {@code snaplen}).
     */
    public static int packet(MemorySegment dst, long at, int interfaceId, long timestampNanos, MemorySegment src, long offset,
                             int capLen, int origLen, int direction, int vlanTag, int snaplen) {
        int tagLen = tagLength(capLen, vlanTag);
        int outLen = storedLength(capLen, vlanTag, snaplen);
        int padded = (outLen + 3) & ~3;
        int len = 28 + padded + (direction != 0 ? 12 : 0) + 4;
        long p = at;
        dst.set(JAVA_INT_UNALIGNED, p, EPB);
        dst.set(JAVA_INT_UNALIGNED, p + 4, len);
        dst.set(JAVA_INT_UNALIGNED, p + 8, interfaceId);
        dst.set(JAVA_INT_UNALIGNED, p + 12, (int) (timestampNanos >>> 32));
        dst.set(JAVA_INT_UNALIGNED, p + 16, (int) timestampNanos);
        dst.set(JAVA_INT_UNALIGNED, p + 20, outLen);
        dst.set(JAVA_INT_UNALIGNED, p + 24, origLen + tagLen);
        if (tagLen == 0) {
            MemorySegment.copy(src, offset, dst, p + 28, outLen);
        } else {
            MemorySegment.copy(src, offset, dst, p + 28, 12);
            dst.set(JAVA_BYTE, p + 40, (byte) (vlanTag >>> 24));
            dst.set(JAVA_BYTE, p + 41, (byte) (vlanTag >>> 16));
            dst.set(JAVA_BYTE, p + 42, (byte) (vlanTag >>> 8));
            dst.set(JAVA_BYTE, p + 43, (byte) vlanTag);
            MemorySegment.copy(src, offset + 12, dst, p + 44, outLen - 16);
        }
        for (long z = p + 28 + outLen; z < p + 28 + padded; z++) dst.set(JAVA_BYTE, z, (byte) 0);
        long q = p + 28 + padded;
        if (direction != 0) {
            dst.set(JAVA_SHORT_UNALIGNED, q, (short) 2); // epb_flags
            dst.set(JAVA_SHORT_UNALIGNED, q + 2, (short) 4);
            dst.set(JAVA_INT_UNALIGNED, q + 4, direction);
            dst.set(JAVA_INT_UNALIGNED, q + 8, 0);       // opt_endofopt
        }
        dst.set(JAVA_INT_UNALIGNED, p + len - 4, len);
        return len;
    }

    private static int tagLength(int capLen, int vlanTag) {
        return vlanTag != NO_VLAN && capLen >= 12 ? 4 : 0;
    }

    private static int storedLength(int capLen, int vlanTag, int snaplen) {
        return Math.min(capLen + tagLength(capLen, vlanTag), Math.max(snaplen, capLen));
    }

    /** A block of {@code type} whose fixed fields take {@code fixed} bytes (type and length included), then the options and the trailing length. */
    private static MemorySegment block(int type, int fixed, Options opts) {
        int len = fixed + opts.length() + 4;
        var b = MemorySegment.ofArray(new byte[len]);
        b.set(JAVA_INT_UNALIGNED, 0, type);
        b.set(JAVA_INT_UNALIGNED, 4, len);
        opts.writeTo(b, fixed);
        b.set(JAVA_INT_UNALIGNED, len - 4, len);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        var r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** A block's option list; ends with opt_endofopt when any option is present. */
    private static final class Options {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Options string(int code, String value) {
            return value == null || value.isEmpty() ? this : bytes(code, value.getBytes(StandardCharsets.UTF_8));
        }

        Options u64(int code, long value) {
            var b = new byte[8];
            MemorySegment.ofArray(b).set(JAVA_LONG_UNALIGNED, 0, value);
            return bytes(code, b);
        }

        Options timestamp(int code, long nanos) {
            var b = new byte[8];
            MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED, 0, (int) (nanos >>> 32));
            MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED, 4, (int) nanos);
            return bytes(code, b);
        }

        Options bytes(int code, byte[] value) {
            var header = new byte[4];
            MemorySegment.ofArray(header).set(JAVA_SHORT_UNALIGNED, 0, (short) code);
            MemorySegment.ofArray(header).set(JAVA_SHORT_UNALIGNED, 2, (short) value.length);
            out.writeBytes(header);
            out.writeBytes(value);
            out.writeBytes(new byte[(4 - value.length % 4) % 4]);
            return this;
        }

        int length() {
            return out.size() == 0 ? 0 : out.size() + 4;
        }

        void writeTo(MemorySegment seg, long at) {
            if (out.size() == 0) return;
            var bytes = out.toByteArray();
            MemorySegment.copy(bytes, 0, seg, JAVA_BYTE, at, bytes.length);
            seg.set(JAVA_INT_UNALIGNED, at + bytes.length, 0); // opt_endofopt
        }
    }
}
