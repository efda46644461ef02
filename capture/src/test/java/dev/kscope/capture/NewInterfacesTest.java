package dev.kscope.capture;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every interface of a namespace (-i any, or a pod's interfaces) means the ones that come up later too, as with
 * tcpdump -i any: on a node, each new pod adds a veth to the host.
 */
@Tag("root")
class NewInterfacesTest {
    @TempDir
    Path dir;

    @Test
    void anInterfaceThatComesUpDuringAnAnyCaptureIsCapturedWithItsOwnDescription() throws Exception {
        try (var net = new NetnsPair("w", 8)) {
            var file = dir.resolve("any.pcapng");
            String laterA = "cap2w2a", laterB = "cap2w2b", laterIpA = "10.77.9.1";
            try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(CaptureTarget.ANY))),
                    CaptureOptions.defaults().withBufferBytes(1 << 20), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
                assertThat(capture.interfaces()).extracting(InterfaceInfo::name).containsExactlyInAnyOrder("cap2wa/lo", "cap2wa/" + net.ifA);
                Traffic.udp(net, 5, 100);
                // a second veth pair between the namespaces, created while capturing (what a CNI plugin does)
                Tools.run("ip", "link", "add", laterA, "netns", net.a, "type", "veth", "peer", "name", laterB, "netns", net.b);
                Tools.run("ip", "-n", net.a, "addr", "add", laterIpA + "/24", "dev", laterA);
                Tools.run("ip", "-n", net.b, "addr", "add", "10.77.9.2/24", "dev", laterB);
                Tools.run("ip", "-n", net.a, "link", "set", laterA, "up");
                Tools.run("ip", "-n", net.b, "link", "set", laterB, "up");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (capture.interfaces().size() < 3 && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(capture.interfaces()).extracting(InterfaceInfo::name).contains("cap2wa/" + laterA);
                NetnsPair.in(net.b, () -> {
                    try (var s = new DatagramSocket()) {
                        for (int i = 0; i < 7; i++) s.send(new DatagramPacket(new byte[200], 200, new InetSocketAddress(laterIpA, Traffic.UDP_PORT)));
                    }
                    return null;
                }).get(10, TimeUnit.SECONDS);
                // the first veth goes away (its ring is closed then, its counters kept); stopping still drains the others
                Tools.run("ip", "-n", net.b, "link", "del", net.ifB);
                Thread.sleep(300);
                capture.stop();
                capture.await();
                assertThat(capture.interfaceStats()).hasSize(3);
                assertThat(capture.interfaceStats().get(1).captured()).as("the deleted veth's packets still counted").isGreaterThanOrEqualTo(5);
            }
            var read = Tools.readPcapng(file);
            int later = read.interfaceNames().indexOf("cap2wa/" + laterA);
            assertThat(later).as("the new interface has an IDB").isEqualTo(2);
            assertThat(read.packets().stream().filter(p -> p.iface() == later && p.data().length >= 200).count())
                    .as("the datagrams sent over it").isGreaterThanOrEqualTo(7);
            assertThat(read.statistics()).as("one statistics block per interface, the new one too").isEqualTo(3);
            var tshark = Tools.run("tshark", "-r", file.toString(), "-Y", "udp.dstport == " + Traffic.UDP_PORT + " && ip.dst == " + laterIpA,
                    "-T", "fields", "-e", "frame.interface_name");
            assertThat(tshark.lines().filter(l -> l.equals("cap2wa/" + laterA)).count()).isGreaterThanOrEqualTo(7);
            Tools.assertWiresharkReadsCleanly(file);
        }
    }

    @Test
    void namedInterfacesStayTheOnesNamed() throws Exception {
        try (var net = new NetnsPair("x", 10)) {
            var file = dir.resolve("named.pcapng");
            try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                    CaptureOptions.defaults().withBufferBytes(1 << 20), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
                Tools.run("ip", "-n", net.a, "link", "add", "cap2xv0", "type", "veth", "peer", "name", "cap2xv1");
                Tools.run("ip", "-n", net.a, "link", "set", "cap2xv0", "up");
                Tools.run("ip", "-n", net.a, "link", "set", "cap2xv1", "up");
                Thread.sleep(1500); // longer than the reader's look for new interfaces
                assertThat(capture.interfaces()).extracting(InterfaceInfo::name).containsExactly("cap2xa/" + net.ifA);
                capture.stop();
                capture.await();
            }
        }
    }
}
