package dev.kscope.traffic.pcap;

/**
 * Where packets come from: a capture file now, a live AF_PACKET ring (the capture module) later.
 * {@link #run} pushes every packet to the handler on the calling thread and returns when the source is
 * exhausted (file) or closed (live).
 */
public interface PacketSource extends AutoCloseable {
    void run(PacketHandler handler);

    @Override
    void close();
}
