package dev.kscope.capture;

import java.net.InetAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Two network namespaces, cap2{tag}a and cap2{tag}b, joined by a veth pair cap2{tag}a0 (10.77.N.1) and cap2{tag}b0
 * (10.77.N.2). IPv6 is off so no packet arrives that the test did not send.
 */
final class NetnsPair implements AutoCloseable {
    final String a, b, ifA, ifB, ipA, ipB;

    NetnsPair(String tag, int subnet) {
        a = "cap2" + tag + "a";
        b = "cap2" + tag + "b";
        ifA = a + "0";
        ifB = b + "0";
        ipA = "10.77." + subnet + ".1";
        ipB = "10.77." + subnet + ".2";
        close();
        for (var ns : new String[]{a, b}) {
            Tools.run("ip", "netns", "add", ns);
            Tools.run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            Tools.run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        Tools.run("ip", "link", "add", ifA, "netns", a, "type", "veth", "peer", "name", ifB, "netns", b);
        Tools.run("ip", "-n", a, "addr", "add", ipA + "/24", "dev", ifA);
        Tools.run("ip", "-n", b, "addr", "add", ipB + "/24", "dev", ifB);
        Tools.run("ip", "-n", a, "link", "set", ifA, "up");
        Tools.run("ip", "-n", b, "link", "set", ifB, "up");
    }

    String pathA() {
        return "/run/netns/" + a;
    }

    String pathB() {
        return "/run/netns/" + b;
    }

    InetAddress addrA() throws Exception {
        return InetAddress.getByName(ipA);
    }

    /** Runs {@code work} on a new thread inside network namespace {@code ns}; sockets it opens live there. */
    static <T> CompletableFuture<T> in(String ns, Callable<T> work) {
        var f = new CompletableFuture<T>();
        var t = new Thread(() -> {
            int fd = Libc.open("/run/netns/" + ns, Libc.O_RDONLY);
            try {
                Libc.check(fd, "open " + ns);
                Libc.check(Libc.setns(fd, Libc.CLONE_NEWNET), "setns " + ns);
                f.complete(work.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            } finally {
                if (fd >= 0) Libc.close(fd);
            }
        }, "test in " + ns);
        t.setDaemon(true);
        t.start();
        return f;
    }

    @Override
    public void close() {
        Tools.runQuietly("ip", "netns", "del", a);
        Tools.runQuietly("ip", "netns", "del", b);
    }
}
