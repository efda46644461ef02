package dev.kscope.capture;

import dev.kscope.core.KscopeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Map;

import static dev.kscope.capture.Libc.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * An AF_PACKET socket bound to one interface, with its filter in the kernel and a memory-mapped TPACKET_V3 ring:
 * the kernel fills whole blocks of packets, we walk a block in place and hand it back. Open it on a thread that is
 * already in the interface's network namespace.
 */
final class PacketRing implements AutoCloseable {
    private static final int ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772, ARPHRD_NONE = 0xFFFE, ARPHRD_RAWIP = 519,
            ARPHRD_TUNNEL = 768, ARPHRD_TUNNEL6 = 769, ARPHRD_SIT = 776, ARPHRD_IPGRE = 778;
    private static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_VLAN_VALID = 0x10, TP_STATUS_VLAN_TPID_VALID = 0x40;
    /** A block is handed over after this long even if not full, so quiet traffic shows up promptly. */
    static final int RETIRE_MILLIS = 100;
    private static final VarHandle INT = JAVA_INT.varHandle();

    final String name;
    final int ifindex;
    final int linkType;
    final PacketFilter filter;
    private final int fd;
    private final boolean loopback;
    private final MemorySegment ring;
    private final int blockSize, blockCount;
    private int current;
    private long received, dropped; // accumulated: reading PACKET_STATISTICS resets the kernel's counters
    private boolean closed;
    int interfaceId = -1;            // in the pcapng file, assigned once all targets are open

    private PacketRing(String name, int ifindex, int linkType, PacketFilter filter, int fd, boolean loopback,
                       MemorySegment ring, int blockSize, int blockCount) {
        this.name = name;
        this.ifindex = ifindex;
        this.linkType = linkType;
        this.filter = filter;
        this.fd = fd;
        this.loopback = loopback;
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    /** Opens a ring on interface {@code name} of the calling thread's network namespace. */
    static PacketRing open(String name, int ifindex, CaptureOptions options, long ringBytes, Map<Integer, PacketFilter> filters, String where) {
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); // protocol 0: nothing arrives before bind()
        if (fd < 0) {
            throw new KscopeException("cannot open a packet socket: " + strerror(errno()) + " (run as root or grant CAP_NET_RAW)");
        }
        try (var arena = Arena.ofConfined()) {
            int hatype = hardwareType(fd, name, arena);
            boolean loopback = hatype == ARPHRD_LOOPBACK;
            int dlt, linkType;
            switch (hatype) {
                case ARPHRD_ETHER, ARPHRD_LOOPBACK -> { dlt = PacketFilter.DLT_EN10MB; linkType = InterfaceInfo.LINKTYPE_ETHERNET; }
                case ARPHRD_NONE, ARPHRD_RAWIP, ARPHRD_TUNNEL, ARPHRD_TUNNEL6, ARPHRD_SIT, ARPHRD_IPGRE -> { dlt = PacketFilter.DLT_RAW; linkType = InterfaceInfo.LINKTYPE_RAW; }
                default -> throw new KscopeException("cannot capture on " + name + " in " + where + ": hardware type " + hatype
                        + " is not supported yet (capture on an Ethernet or IP interface instead)");
            }
            var filter = filters.computeIfAbsent(dlt, d -> PacketFilter.compile(options.filter(), d, options.snaplen()));
            check(setsockopt(fd, SOL_PACKET, PACKET_VERSION, arena.allocateFrom(JAVA_INT, TPACKET_V3)), "setsockopt(PACKET_VERSION)");
            check(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, filter.toSockFprog(arena)), "setsockopt(SO_ATTACH_FILTER)");
            int blockSize = CaptureOptions.blockSize(ringBytes), blockCount = CaptureOptions.blockCount(ringBytes), frameSize = 2048;
            var req = arena.allocate(28, 4); // struct tpacket_req3
            req.set(JAVA_INT, 0, blockSize);
            req.set(JAVA_INT, 4, blockCount);
            req.set(JAVA_INT, 8, frameSize);
            req.set(JAVA_INT, 12, blockSize / frameSize * blockCount);
            req.set(JAVA_INT, 16, RETIRE_MILLIS);
            if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req) != 0) {
                throw new KscopeException("cannot allocate a " + (((long) blockSize * blockCount) >> 20) + " MiB packet ring on " + name
                        + ": " + strerror(errno()) + " (use a smaller -B)");
            }
            long size = (long) blockSize * blockCount;
            var map = mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
            if (map.equals(MAP_FAILED)) throw new ErrnoException("mmap(packet ring)", errno());
            var sll = arena.allocate(20, 4); // struct sockaddr_ll
            sll.set(JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(JAVA_SHORT, 2, ETH_P_ALL_NETWORK_ORDER);
            sll.set(JAVA_INT, 4, ifindex);
            if (bind(fd, sll) != 0) {
                int e = errno();
                munmap(map, size);
                throw new KscopeException("cannot capture on " + name + " in " + where + ": " + strerror(e)
                        + (e == ENETDOWN ? " (bring the interface up)" : ""));
            }
            if (options.promiscuous()) {
                var mreq = arena.allocate(16, 4); // struct packet_mreq
                mreq.set(JAVA_INT, 0, ifindex);
                mreq.set(JAVA_SHORT, 4, (short) PACKET_MR_PROMISC);
                check(setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq), "setsockopt(PACKET_ADD_MEMBERSHIP)");
            }
            return new PacketRing(name, ifindex, linkType, filter, fd, loopback, map.reinterpret(size), blockSize, blockCount);
        } catch (RuntimeException e) {
            Libc.close(fd);
            if (e instanceof ErrnoException) throw new KscopeException("cannot capture on " + name + " in " + where + ": " + e.getMessage(), e);
            throw e;
        }
    }

    private static int hardwareType(int fd, String name, Arena arena) {
        var ifr = ifreq(name, arena);
        check(ioctl(fd, SIOCGIFHWADDR, ifr), "ioctl(SIOCGIFHWADDR " + name + ")");
        return ifr.get(JAVA_SHORT, 16) & 0xffff;
    }

    static MemorySegment ifreq(String name, Arena arena) {
        var ifr = arena.allocate(40, 8);
        var bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, ifr, JAVA_BYTE, 0, Math.min(bytes.length, 15));
        return ifr;
    }

    int fd() {
        return fd;
    }

    /** Receives what each packet of a block becomes. Returns false to stop reading. */
    interface PacketHandler {
        boolean packet(PacketRing ring, long timestampNanos, MemorySegment block, long offset, int capLen, int origLen, int pktType, int vlanTag);
    }

    /**
     * Hands the packets of up to {@code maxBlocks} ready blocks to {@code handler}, returning each block to the kernel.
     * Returns the number of blocks read, or -1 when the handler asked to stop.
     */
    int readBlocks(int maxBlocks, PacketHandler handler) {
        int blocks = 0;
        while (blocks < maxBlocks) {
            long base = (long) current * blockSize;
            if (((int) INT.getAcquire(ring, base + 8) & TP_STATUS_USER) == 0) return blocks;
            int count = ring.get(JAVA_INT_UNALIGNED, base + 12);
            long off = base + ring.get(JAVA_INT_UNALIGNED, base + 16);
            boolean go = true;
            for (int i = 0; i < count && go; i++) {
                int next = ring.get(JAVA_INT_UNALIGNED, off);
                int pktType = ring.get(JAVA_BYTE, off + 58) & 0xff;
                if (!(loopback && pktType == PACKET_OUTGOING)) { // loopback shows each packet twice; keep the incoming copy, as libpcap does
                    long ts = (ring.get(JAVA_INT_UNALIGNED, off + 4) & 0xffffffffL) * 1_000_000_000L + ring.get(JAVA_INT_UNALIGNED, off + 8);
                    int capLen = ring.get(JAVA_INT_UNALIGNED, off + 12), origLen = ring.get(JAVA_INT_UNALIGNED, off + 16), status = ring.get(JAVA_INT_UNALIGNED, off + 20);
                    int mac = ring.get(JAVA_SHORT_UNALIGNED, off + 24) & 0xffff;
                    int vlan = -1;
                    if ((status & TP_STATUS_VLAN_VALID) != 0 && linkType == InterfaceInfo.LINKTYPE_ETHERNET) {
                        int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(JAVA_SHORT_UNALIGNED, off + 36) & 0xffff : 0x8100;
                        vlan = tpid << 16 | (ring.get(JAVA_INT_UNALIGNED, off + 32) & 0xffff);
                    }
                    go = handler.packet(this, ts, ring, off + mac, capLen, origLen, pktType, vlan);
                }
                off += next;
            }
            INT.setRelease(ring, base + 8, TP_STATUS_KERNEL);
            current = (current + 1) % blockCount;
            blocks++;
            if (!go) return -1;
        }
        return blocks;
    }

    /** The pending socket error (e.g. ENETDOWN when the interface went down or away), 0 if none. */
    int socketError() {
        try (var arena = Arena.ofConfined()) {
            var v = arena.allocate(JAVA_INT);
            var len = arena.allocateFrom(JAVA_INT, 4);
            return getsockopt(fd, SOL_SOCKET, SO_ERROR, v, len) == 0 ? v.get(JAVA_INT, 0) : errno();
        }
    }

    /** Kernel counters since open: {received by filter (incl. dropped), dropped}. */
    synchronized long[] kernelStats() {
        if (!closed) {
            try (var arena = Arena.ofConfined()) {
                var st = arena.allocate(12, 4); // struct tpacket_stats_v3
                var len = arena.allocateFrom(JAVA_INT, 12);
                if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, len) == 0) {
                    received += st.get(JAVA_INT, 0) & 0xffffffffL; // the kernel already counts drops in tp_packets
                    dropped += st.get(JAVA_INT, 4) & 0xffffffffL;
                }
            }
        }
        return new long[]{received, dropped};
    }

    synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        kernelStats();
        closed = true;
        munmap(ring, ring.byteSize());
        Libc.close(fd);
    }
}
