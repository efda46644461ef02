package dev.kscope.traffic.pcap;

import java.lang.foreign.MemorySegment;

/**
 * One captured frame. {@code data} is a view (for a file source: into the mapped file, for a live source: into
 * the ring), valid only during the {@link PacketHandler#onPacket} call; copy what must outlive it.
 *
 * @param index          0-based position in the source, used to export the packets of a message
 * @param timestampNanos capture time, nanoseconds since the epoch
 * @param linkType       LINKTYPE_* value of the interface (1 Ethernet, 101 raw IP, 113 Linux SLL, 276 SLL2, 0 BSD loopback)
 * @param originalLength length on the wire; larger than {@code data.byteSize()} when the snap length cut it
 */
public record Packet(long index, long timestampNanos, int linkType, MemorySegment data, int originalLength) {
}
