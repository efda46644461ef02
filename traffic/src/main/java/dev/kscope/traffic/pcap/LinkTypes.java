package dev.kscope.traffic.pcap;

/** The LINKTYPE_* values this analyzer decodes (https://www.tcpdump.org/linktypes.html). */
public final class LinkTypes {
    public static final int NULL = 0;          // BSD loopback: 4-byte address family in host order
    public static final int ETHERNET = 1;
    public static final int RAW = 101;         // bare IPv4/IPv6
    public static final int LINUX_SLL = 113;   // tcpdump -i any (v1)
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;  // tcpdump -i any (v2)

    private LinkTypes() {
    }
}
