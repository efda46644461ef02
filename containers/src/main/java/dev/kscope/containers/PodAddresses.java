package dev.kscope.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The IP addresses of containers, read from their network namespace through /proc (no need to enter it): IPv4 from
 * /proc/PID/net/fib_trie (the "host LOCAL" entries), IPv6 from /proc/PID/net/if_inet6. Loopback and link-local
 * addresses are left out.
 * Containers of one pod share a network namespace, so its addresses are read once per namespace.
 */
public final class PodAddresses {
    private final ContainerCollection collection;
    private final Map<Long, Set<String>> byNetns = new ConcurrentHashMap<>();

    private final long hostNetns;

    public PodAddresses(ContainerCollection collection) {
        this.collection = collection;
        this.hostNetns = netns("1").orElse(netns("self").orElse(0L));
    }

    private static Optional<Long> netns(String pid) {
        try {
            var link = Files.readSymbolicLink(Path.of("/proc", pid, "ns", "net")).toString(); // net:[4026531840]
            return Optional.of(Long.parseLong(link.replaceAll("\\D", "")));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The container (any of its pod's) that owns {@code ip} on this node. */
    public Optional<Container> owner(String ip) {
        for (var c : collection.all()) {
            if (c.pid() <= 0 || c.netns() == 0 || c.netns() == hostNetns) continue;
            var addresses = byNetns.computeIfAbsent(c.netns(), n -> addresses(c.pid()));
            if (addresses.contains(ip)) return Optional.of(c);
        }
        return Optional.empty();
    }

    /** Non-loopback addresses of the network namespace process {@code pid} lives in. */
    public static Set<String> addresses(int pid) {
        var out = new LinkedHashSet<String>();
        try {
            String previous = null;
            for (var line : Files.readAllLines(Path.of("/proc/" + pid + "/net/fib_trie"))) {
                var t = line.strip();
                if (t.startsWith("|-- ")) previous = t.substring(4);
                else if (t.equals("/32 host LOCAL") && previous != null && !previous.startsWith("127.")) out.add(previous);
            }
        } catch (IOException gone) {
            return Set.of();
        }
        try {
            for (var line : Files.readAllLines(Path.of("/proc/" + pid + "/net/if_inet6"))) {
                var f = line.strip().split("\\s+");
                if (f.length < 6 || f[5].equals("lo") || f[0].startsWith("fe80")) continue; // link-local names no pod
                out.add(ipv6(f[0]));
            }
        } catch (IOException noIpv6) {
            // IPv6 off in this namespace
        }
        return java.util.Collections.unmodifiableSet(out); // IPv4 first
    }

    private static String ipv6(String hex) {
        try {
            return java.net.InetAddress.getByAddress(java.util.HexFormat.of().parseHex(hex)).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(hex, e);
        }
    }
}
