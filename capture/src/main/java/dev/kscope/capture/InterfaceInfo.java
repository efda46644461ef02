package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

import java.net.InetAddress;
import java.util.List;

/**
 * One captured interface as it appears in the pcapng file (one Interface Description Block each).
 *
 * @param name        e.g. {@code default/web/eth0} for a pod, {@code eth0} on the host
 * @param description where the interface lives, e.g. {@code pod default/web (container nginx) on node n1}
 * @param comment     machine-readable metadata, e.g. {@code namespace=default pod=web ip=10.1.2.3 node=n1}
 * @param linkType    pcapng LINKTYPE_ value (1 Ethernet, 101 raw IP)
 * @param addresses   the interface's addresses with their prefix lengths
 */
public record InterfaceInfo(String name, String description, String comment, int linkType, int snaplen,
                            List<Address> addresses, String filter) implements PcapngBlocks.Interface {
    public static final int LINKTYPE_ETHERNET = 1, LINKTYPE_RAW = 101;

    public record Address(InetAddress address, int prefixLength) implements PcapngBlocks.Address {}
}
