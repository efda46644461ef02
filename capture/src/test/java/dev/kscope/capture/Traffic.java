package dev.kscope.capture;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** Traffic between the two namespaces of a pair: ICMP echo, UDP of many sizes (some fragmented), a TCP exchange. */
final class Traffic {
    static final int UDP_PORT = 21001, TCP_PORT = 21002;

    private Traffic() {}

    static void mixed(NetnsPair net) throws Exception {
        Tools.run("ip", "netns", "exec", net.b, "busybox", "ping", "-c", "10", "-i", "0.05", "-s", "1000", "-W", "2", net.ipA);
        udp(net, 40, 0);
        var server = NetnsPair.in(net.a, () -> {
            try (var ss = new ServerSocket()) {
                ss.bind(new InetSocketAddress(net.ipA, TCP_PORT));
                try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                    var got = in.readNBytes(50_000);
                    s.getOutputStream().write(got, 0, 5000);
                    return got.length;
                }
            }
        });
        Thread.sleep(100); // let the server bind
        NetnsPair.in(net.b, () -> {
            try (var s = new Socket()) {
                s.connect(new InetSocketAddress(net.ipA, TCP_PORT), 2000);
                s.getOutputStream().write(new byte[50_000]);
                s.getOutputStream().flush();
                s.shutdownOutput();
                return s.getInputStream().readAllBytes().length;
            }
        }).get(10, TimeUnit.SECONDS);
        server.get(10, TimeUnit.SECONDS);
    }

    /** {@code count} datagrams from b to a's UDP_PORT, sizes from 1 byte to 3000 (which IP fragments); size 0 varies it. */
    static void udp(NetnsPair net, int count, int size) throws Exception {
        NetnsPair.in(net.b, () -> {
            try (var s = new DatagramSocket()) {
                var to = new InetSocketAddress(net.ipA, UDP_PORT);
                for (int i = 0; i < count; i++) {
                    int len = size > 0 ? size : 1 + (i * 397) % 3000;
                    var data = new byte[len];
                    for (int j = 0; j < len; j++) data[j] = (byte) (i + j);
                    s.send(new DatagramPacket(data, len, to));
                }
            }
            return null;
        }).get(30, TimeUnit.SECONDS);
    }
}
