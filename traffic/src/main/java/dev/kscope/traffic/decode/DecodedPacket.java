package dev.kscope.traffic.decode;

import java.lang.foreign.MemorySegment;

/**
 * The transport view of one packet, filled in place by {@link PacketDecoder} (one instance reused for every
 * packet, so decoding allocates nothing). Addresses are 128-bit: IPv4 is stored as ::ffff:a.b.c.d.
 */
public final class DecodedPacket {
    public static final int TCP = 6;
    public static final int UDP = 17;

    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

    public long index;
    public long timestampNanos;
    public int ipVersion;
    public long srcHi, srcLo, dstHi, dstLo;
    public int protocol;
    public int srcPort, dstPort;
    /** TCP only. */
    public int seq, ack, flags;
    /** Transport payload: a view into the packet, valid during the packet's handling only. */
    public MemorySegment payload;
    /** Payload bytes missing because the snap length cut the frame. */
    public int payloadCut;
    /** Whole frame, for exporting packets. */
    public MemorySegment frame;
    public int frameOriginalLength;
    public int linkType;

    public boolean is(int flag) {
        return (flags & flag) != 0;
    }
}
