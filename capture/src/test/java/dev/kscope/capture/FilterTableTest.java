package dev.kscope.capture;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each expression runs as a kernel filter on a live kscope capture, all at the same time; tcpdump captures everything
 * alongside, then selects with the same expression from its file. Both selections must be the same packets.
 */
@Tag("root")
class FilterTableTest {
    static final List<String> EXPRESSIONS = List.of(
            "icmp", "udp", "tcp", "arp", "ip", "not ip",
            "udp port 21001", "tcp dst port 21002", "tcp src port 21002", "portrange 21000-21005",
            "src host 10.77.2.2 and udp", "dst host 10.77.2.2", "net 10.77.2.0/24 and not icmp",
            "greater 1000", "less 100", "len >= 1400 and udp",
            "ip[6:2] & 0x1fff != 0", "ip[6] & 0x20 != 0",
            "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp[tcpflags] == tcp-ack",
            "icmp[icmptype] == icmp-echoreply", "icmp[icmptype] == icmp-unreach",
            "ether broadcast", "ether dst ff:ff:ff:ff:ff:ff or arp", "udp and not port 21001", "vlan", "ip6");

    @Test
    void kernelFiltersSelectWhatTcpdumpSelects() throws Exception {
        var dir = Files.createTempDirectory("cap2-f");
        try (var net = new NetnsPair("f", 2)) {
            var all = dir.resolve("all.pcap");
            var tcpdump = new Tools.Tcpdump(net.a, net.ifA, all);
            var captures = new ArrayList<Capture>();
            long tcpdumpDrops = 0;
            try {
                for (int i = 0; i < EXPRESSIONS.size(); i++) {
                    captures.add(Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                            CaptureOptions.defaults().withFilter(EXPRESSIONS.get(i)).withBufferBytes(1 << 20),
                            PcapngOutput.toFile(dir.resolve(i + ".pcapng"), PcapngOutput.Rotation.NONE)));
                }
                Traffic.mixed(net);
                Thread.sleep(300);
            } finally {
                tcpdumpDrops = tcpdump.stop();
                captures.forEach(Capture::stop); // all drain at once
                for (var c : captures) c.close();
            }
            assertThat(Tools.readPcap(all)).hasSizeGreaterThan(60);
            var soft = new SoftAssertions();
            int nonEmpty = 0;
            for (int i = 0; i < EXPRESSIONS.size(); i++) {
                var expr = EXPRESSIONS.get(i);
                var selected = dir.resolve(i + ".pcap");
                Tools.run("tcpdump", "-r", all.toString(), "-w", selected.toString(), expr);
                var theirs = Tools.readPcap(selected);
                var ours = Tools.readPcapng(dir.resolve(i + ".pcapng")).packets();
                if (tcpdumpDrops == 0) {
                    soft.assertThat(ours).as(expr).containsExactlyElementsOf(theirs);
                } else { // a loaded machine made tcpdump lose packets: ours must still hold all it selected
                    soft.assertThat(ours).as(expr).containsSubsequence(theirs);
                }
                if (!theirs.isEmpty()) nonEmpty++;
            }
            soft.assertAll();
            assertThat(nonEmpty).as("expressions that matched something").isGreaterThan(EXPRESSIONS.size() * 2 / 3);
        } finally {
            Tools.run("rm", "-rf", dir.toString());
        }
    }
}
