package dev.kscope.traffic.pcap;

@FunctionalInterface
public interface PacketHandler {
    void onPacket(Packet packet);
}
