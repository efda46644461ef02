package dev.kscope.capture;

import dev.kscope.core.KscopeException;
import dev.kscope.core.pcapng.PcapngBlocks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static dev.kscope.capture.Libc.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The thread that reads one target: it enters the target's network namespace (setns only moves this thread),
 * opens a ring per interface, then loops: read ready blocks, else poll. It also notices the target going away
 * (namespace deleted, interface removed) and ends with a message saying so.
 */
final class TargetReader implements Runnable {
    private static final int POLL_MILLIS = 100;
    final CaptureTarget target;
    private final Capture capture;
    private final CaptureOptions options;
    private final Map<Integer, PacketFilter> filters;
    final CompletableFuture<List<PacketRing>> opened = new CompletableFuture<>();
    final CountDownLatch go = new CountDownLatch(1);
    /** Completes when the reader ends: with why it ended on its own, or null when the capture ended ({@link Capture#add}). */
    final CompletableFuture<String> ended = new CompletableFuture<>();
    // read by other threads (statistics, the interface list) while this one adds interfaces that appear later
    private final List<PacketRing> rings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<InterfaceInfo> infos = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Object netnsIdentity;
    private long[][] ifStart;             // per ring: /proc/net/dev {rx+tx packets, rx dropped} at open
    private volatile long[][] ifDelta;    // per ring: since open
    volatile String endMessage;           // why this target ended on its own, null while running
    private volatile boolean cancelled;   // opened too late or not wanted any more: never reads (see Capture#add)

    TargetReader(CaptureTarget target, Capture capture, CaptureOptions options, Map<Integer, PacketFilter> filters) {
        this.target = target;
        this.capture = capture;
        this.options = options;
        this.filters = filters;
    }

    List<InterfaceInfo> interfaces() {
        return infos;
    }

    /** Lets the thread go without reading: its rings have no interface id in the output. */
    void cancel() {
        cancelled = true;
        go.countDown();
    }

    /** True once its rings and interfaces are filled in (by its own thread) and may be read from any other. */
    boolean opened() {
        return opened.isDone() && !opened.isCompletedExceptionally();
    }

    List<PacketRing> rings() {
        return rings;
    }

    @Override
    public void run() {
        try {
            open();
            opened.complete(rings);
        } catch (Throwable e) {
            rings.forEach(PacketRing::close);
            opened.completeExceptionally(e);
            return;
        }
        try {
            go.await();
            if (cancelled) {
                rings.forEach(PacketRing::close);
                return;
            }
            if (!capture.stopping()) loop();
            if (capture.drainOnStop()) drain();
            else if (endMessage != null) rings.forEach(PacketRing::close); // gone on its own (a pod deleted): memory back now, counters kept
        } catch (Throwable e) {
            endMessage = "capture of " + target.label() + " failed: " + e;
            capture.targetEnded(this, e);
            return;
        }
        capture.targetEnded(this, null);
    }

    private void open() throws IOException {
        var where = where();
        if (target.netns() != null) {
            var path = Path.of(target.netns());
            int fd = Libc.open(target.netns(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new KscopeException("cannot enter " + where + ": " + strerror(errno())
                        + " (give an existing namespace file, e.g. /run/netns/NAME or /proc/PID/ns/net)");
            }
            try {
                if (setns(fd, CLONE_NEWNET) != 0) {
                    throw new KscopeException("cannot enter " + where + ": " + strerror(errno())
                            + " (is it a network namespace file? are you root?)");
                }
            } finally {
                Libc.close(fd);
            }
            netnsIdentity = identity(path);
        }
        var all = Libc.interfaces();
        var names = new ArrayList<String>();
        boolean any = any();
        if (any && target.interfaces().size() > 1) {
            throw new KscopeException("-i any already means every interface of " + where + " (drop the other -i names, or 'any')");
        }
        if (target.interfaces().isEmpty() || any) {
            for (var name : all.values()) if (isUp(name, any)) names.add(name);
            if (names.isEmpty()) throw new KscopeException("no interface is up in " + where + " (interfaces there: " + String.join(", ", all.values()) + ")");
        } else {
            for (var name : target.interfaces()) {
                if (!all.containsValue(name)) {
                    throw new KscopeException("no interface " + name + " in " + where + " (interfaces there: " + String.join(", ", all.values()) + ")");
                }
                names.add(name);
            }
        }
        var v6 = ipv6Addresses();
        long ringBytes = options.ringBytes(capture.targetCount() * names.size()); // the other targets: assume as many interfaces
        for (var name : names) {
            int index = all.entrySet().stream().filter(e -> e.getValue().equals(name)).findFirst().orElseThrow().getKey();
            openRing(name, index, ringBytes, v6);
        }
        var start = interfaceCounters();
        ifStart = start != null ? start : new long[rings.size()][2];
        ifDelta = new long[rings.size()][2];
    }

    /** -i any: every interface, loopback too, none in promiscuous mode. */
    private boolean any() {
        return target.interfaces().contains(CaptureTarget.ANY);
    }

    /** Every interface of the namespace, not a list of names: interfaces that appear later are captured too. */
    private boolean everyInterface() {
        return target.interfaces().isEmpty() || any();
    }

    /** The target's namespace, for messages. */
    private String where() {
        return target.netns() == null ? "the host" : target.label();
    }

    private void openRing(String name, int index, long ringBytes, Map<String, List<InterfaceInfo.Address>> v6) {
        // like tcpdump -i any, which cannot be promiscuous: not every interface of a host in promiscuous mode
        var ring = PacketRing.open(name, index, any() ? options.withPromiscuous(false) : options, ringBytes, filters, where());
        var addresses = new ArrayList<InterfaceInfo.Address>();
        ipv4Address(ring.fd(), name).ifPresent(addresses::add);
        addresses.addAll(v6.getOrDefault(name, List.of()));
        infos.add(new InterfaceInfo(target.interfaceName(name), target.description(name), target.comment(),
                ring.linkType, options.snaplen(), addresses, options.filter()));
        rings.add(ring);
    }

    /**
     * Interfaces that came up since the last look (a pod's veth on a node, for -i any; tcpdump's any device sees them
     * too): opened, given the next interface ids and described in the running output. Returns how many.
     */
    private int openNewInterfaces(boolean[] dead) {
        var open = new java.util.HashSet<String>();
        for (int i = 0; i < rings.size(); i++) if (!dead[i]) open.add(rings.get(i).name);
        int before = rings.size();
        Map<String, List<InterfaceInfo.Address>> v6 = null;
        for (var e : Libc.interfaces().entrySet()) {
            var name = e.getValue();
            if (open.contains(name) || !isUp(name, any())) continue;
            if (v6 == null) v6 = ipv6Addresses();
            try {
                // the budget as if these had been there at the start: shared with the interfaces alive now
                openRing(name, e.getKey(), options.ringBytes(capture.targetCount() * (open.size() + 1)), v6);
                open.add(name);
            } catch (RuntimeException gone) {
                // it went away again, or is not ready: the next look tries again
            }
        }
        int added = rings.size() - before;
        if (added == 0) return 0;
        var now = interfaceCounters();
        var start = java.util.Arrays.copyOf(ifStart, rings.size());
        for (int i = before; i < start.length; i++) start[i] = now != null ? now[i] : new long[2];
        ifStart = start;
        ifDelta = java.util.Arrays.copyOf(ifDelta, rings.size());
        for (int i = before; i < ifDelta.length; i++) ifDelta[i] = new long[2];
        capture.interfacesAdded(rings.subList(before, rings.size()), infos.subList(before, infos.size()));
        return added;
    }

    private void loop() throws InterruptedException {
        var out = capture.output();
        int n = rings.size();
        boolean[] dead = new boolean[n];
        int alive = n;
        long nextCheck = 0;
        PacketRing.PacketHandler handler = (ring, ts, seg, off, capLen, origLen, pktType, vlan) ->
                out.packetLocked(ring.interfaceId, ts, seg, off, capLen, origLen, flags(pktType), vlan, options.snaplen());
        try (var arena = Arena.ofConfined()) {
            var fds = arena.allocate(8L * n, 4); // struct pollfd[]
            boolean follow = everyInterface();
            while (!capture.stopping()) {
                boolean read = false;
                for (int i = 0; i < n; i++) {
                    if (dead[i]) continue;
                    int blocks;
                    synchronized (out) { // one lock per batch of blocks, not per packet
                        blocks = rings.get(i).readBlocks(8, handler);
                    }
                    if (blocks < 0) {
                        capture.outputDone();
                        return;
                    }
                    read |= blocks > 0;
                }
                long now = System.nanoTime();
                if (now >= nextCheck) {
                    nextCheck = now + 1_000_000_000L;
                    refreshInterfaceCounters();
                    if (netnsIdentity != null && !netnsIdentity.equals(identity(Path.of(target.netns())))) {
                        endMessage = target.label() + " was deleted";
                        return;
                    }
                    capture.checkDeadline();
                    int added = follow ? openNewInterfaces(dead) : 0;
                    if (added > 0) {
                        n += added;
                        alive += added;
                        dead = java.util.Arrays.copyOf(dead, n);
                        fds = arena.allocate(8L * n, 4);
                        continue; // read the new rings at once
                    }
                }
                if (read) continue;
                out.idle();
                if (out.done()) {
                    capture.outputDone();
                    return;
                }
                for (int i = 0; i < n; i++) {
                    fds.set(JAVA_INT, 8L * i, dead[i] ? -1 : rings.get(i).fd());
                    fds.set(JAVA_SHORT, 8L * i + 4, POLLIN);
                    fds.set(JAVA_SHORT, 8L * i + 6, (short) 0);
                }
                if (poll(fds, n, POLL_MILLIS) < 0 && errno() != EINTR) throw new ErrnoException("poll", errno());
                for (int i = 0; i < n; i++) {
                    short revents = fds.get(JAVA_SHORT, 8L * i + 6);
                    if (!dead[i] && (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
                        int err = rings.get(i).socketError();
                        if (err == 0 && (revents & POLLERR) != 0) continue;
                        synchronized (out) {
                            while (rings.get(i).readBlocks(8, handler) > 0) { /* keep what arrived before */ }
                        }
                        rings.get(i).close(); // its memory back now (interfaces come and go all day on a node); its counters stay
                        dead[i] = true;
                        alive--;
                        var iface = rings.get(i).name;
                        endMessage = "interface " + iface + " of " + target.label() + " went down or was deleted ("
                                + (err == 0 ? "poll error" : strerror(err)) + ")";
                    }
                }
                if (alive == 0) return;
            }
        }
    }

    /**
     * Stopped by the user or the clock: the kernel still holds the packets of the block it is filling. It hands that
     * block over within the retire timeout, so wait that long and keep them (tcpdump loses them on Ctrl-C).
     */
    private void drain() throws InterruptedException {
        Thread.sleep(PacketRing.RETIRE_MILLIS + 20);
        var out = capture.output();
        PacketRing.PacketHandler handler = (ring, ts, seg, off, capLen, origLen, pktType, vlan) ->
                out.packet(ring.interfaceId, ts, seg, off, capLen, origLen, flags(pktType), vlan, options.snaplen());
        for (var ring : rings) {
            if (ring.isClosed()) continue; // an interface that went away: read to its end then
            while (ring.readBlocks(8, handler) > 0) { /* until no block is ready */ }
        }
    }

    /** epb_flags: direction in bits 0-1, reception type in bits 2-4. */
    private static int flags(int pktType) {
        return switch (pktType) {
            case 0 -> PcapngBlocks.INBOUND | 1 << 2;  // PACKET_HOST: unicast to us
            case 1 -> PcapngBlocks.INBOUND | 3 << 2;  // PACKET_BROADCAST
            case 2 -> PcapngBlocks.INBOUND | 2 << 2;  // PACKET_MULTICAST
            case 3 -> PcapngBlocks.INBOUND | 4 << 2;  // PACKET_OTHERHOST: seen in promiscuous mode
            case PACKET_OUTGOING -> PcapngBlocks.OUTBOUND;
            default -> 0;
        };
    }

    /** Per ring: {interface packets received+sent, interface rx dropped} since open. */
    long[][] interfaceDeltas() {
        return ifDelta;
    }

    private void refreshInterfaceCounters() {
        var now = interfaceCounters();
        if (now == null) return;
        var d = new long[rings.size()][2];
        for (int i = 0; i < d.length; i++) {
            d[i][0] = Math.max(0, now[i][0] - ifStart[i][0]);
            d[i][1] = Math.max(0, now[i][1] - ifStart[i][1]);
        }
        ifDelta = d;
    }

    /** Reads /proc/thread-self/net/dev: this thread's namespace, whatever namespace the JVM's main thread is in. */
    private long[][] interfaceCounters() {
        var result = new long[rings.size()][2];
        try {
            for (var line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                var name = line.substring(0, colon).strip();
                var f = line.substring(colon + 1).strip().split("\\s+");
                for (int i = 0; i < rings.size(); i++) {
                    if (rings.get(i).name.equals(name) && f.length >= 10) {
                        result[i][0] = Long.parseLong(f[1]) + Long.parseLong(f[9]);
                        result[i][1] = Long.parseLong(f[3]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // counters are best effort; the namespace may be going away
        }
        return result;
    }

    private static Object identity(Path p) {
        try {
            return Files.getAttribute(p, "unix:dev") + ":" + Files.getAttribute(p, "unix:ino");
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
    }

    private static boolean isUp(String name, boolean loopbackToo) {
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new KscopeException("cannot open a packet socket: " + strerror(errno()) + " (run as root or grant CAP_NET_RAW)");
        try (var arena = Arena.ofConfined()) {
            var ifr = PacketRing.ifreq(name, arena);
            if (ioctl(fd, SIOCGIFFLAGS, ifr) != 0) return false;
            short flags = ifr.get(JAVA_SHORT, 16);
            return (flags & IFF_UP) != 0 && (loopbackToo || (flags & IFF_LOOPBACK) == 0);
        } finally {
            Libc.close(fd);
        }
    }

    private static java.util.Optional<InterfaceInfo.Address> ipv4Address(int fd, String name) {
        try (var arena = Arena.ofConfined()) {
            var ifr = PacketRing.ifreq(name, arena);
            if (ioctl(fd, SIOCGIFADDR, ifr) != 0) return java.util.Optional.empty();
            var addr = ifr.asSlice(20, 4).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            int prefix = 32;
            var mask = PacketRing.ifreq(name, arena);
            if (ioctl(fd, SIOCGIFNETMASK, mask) == 0) prefix = Integer.bitCount(mask.get(JAVA_INT, 20));
            return java.util.Optional.of(new InterfaceInfo.Address(InetAddress.getByAddress(addr), prefix));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** /proc/thread-self/net/if_inet6: "fe800000000000000000000000000001 02 40 20 80 eth0". */
    private static Map<String, List<InterfaceInfo.Address>> ipv6Addresses() {
        var result = new java.util.HashMap<String, List<InterfaceInfo.Address>>();
        try {
            for (var line : Files.readAllLines(Path.of("/proc/thread-self/net/if_inet6"))) {
                var f = line.strip().split("\\s+");
                if (f.length < 6) continue;
                var a = new InterfaceInfo.Address(InetAddress.getByAddress(HexFormat.of().parseHex(f[0])), Integer.parseInt(f[2], 16));
                result.computeIfAbsent(f[5], k -> new ArrayList<>()).add(a);
            }
        } catch (IOException | RuntimeException e) {
            // no IPv6 in this namespace
        }
        return result;
    }
}
