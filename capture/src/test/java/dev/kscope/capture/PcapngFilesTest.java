package dev.kscope.capture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Files with several targets, and rotated files: each one complete, each read by tshark and capinfos without a warning. */
@Tag("root")
class PcapngFilesTest {
    static NetnsPair net;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        net = new NetnsPair("p", 3);
        dir = Files.createTempDirectory("cap2-p");
    }

    @AfterAll
    static void tearDown() {
        net.close();
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void severalTargetsGoToOneFileWithOneInterfaceEach() throws Exception {
        var file = dir.resolve("multi.pcapng");
        var pod = CaptureTarget.pod(net.pathA(), "shop", "web", "nginx", net.ipA, "node-1");
        var other = CaptureTarget.netns(net.pathB(), List.of(net.ifB));
        try (var capture = Capture.start(List.of(pod, other), CaptureOptions.defaults().withFilter("icmp").withBufferBytes(1 << 20),
                PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
            Tools.run("ip", "netns", "exec", net.b, "busybox", "ping", "-c", "3", "-i", "0.05", "-W", "2", net.ipA);
            Thread.sleep(200);
            capture.stop();
            var result = capture.await();
            assertThat(result.stats().captured()).isEqualTo(12);
        }
        var read = Tools.readPcapng(file);
        assertThat(read.interfaceNames()).containsExactly("shop/web/" + net.ifA, net.b + "/" + net.ifB);
        assertThat(read.interfaceComments().getFirst()).contains("namespace=shop", "pod=web", "container=nginx", "ip=" + net.ipA, "node=node-1");
        assertThat(read.interfaceIpv4()).containsExactly(net.ipA + "/24", net.ipB + "/24");
        assertThat(read.statistics()).isEqualTo(2);
        var onA = read.packets().stream().filter(p -> p.iface() == 0).toList();
        var onB = read.packets().stream().filter(p -> p.iface() == 1).toList();
        assertThat(onA).hasSize(6).containsExactlyInAnyOrderElementsOf(onB); // each echo leaves one end and enters the other
        Tools.assertWiresharkReadsCleanly(file);
        var names = Tools.run("tshark", "-r", file.toString(), "-T", "fields", "-e", "frame.interface_name").lines().distinct().toList();
        assertThat(names).containsExactlyInAnyOrder("shop/web/" + net.ifA, net.b + "/" + net.ifB);
        var info = Tools.run("capinfos", file.toString());
        assertThat(info).contains("Description = pod shop/web (container nginx) interface " + net.ifA + " on node node-1",
                "Number of interfaces in file: 2");
    }

    @Test
    void sizeRotationKeepsARingOfCompleteFiles() throws Exception {
        var base = dir.resolve("ring.pcapng");
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                CaptureOptions.defaults().withFilter("udp").withBufferBytes(4 << 20),
                PcapngOutput.toFile(base, new PcapngOutput.Rotation(20_000, 0, 3)))) {
            Traffic.udp(net, 200, 1000); // ~200 KB: the ring of three 20 KB files wraps a few times
            Thread.sleep(200);
            capture.stop();
            var result = capture.await();
            assertThat(result.stats().captured()).isEqualTo(200);
        }
        var files = List.of(dir.resolve("ring0.pcapng"), dir.resolve("ring1.pcapng"), dir.resolve("ring2.pcapng"));
        var seen = new HashSet<Tools.Packet>();
        int full = 0;
        for (var f : files) {
            assertThat(f).exists();
            assertThat(Files.size(f)).isLessThan(20_000L + 2_000); // one packet past the limit at most
            if (Files.size(f) >= 20_000) full++;
            Tools.assertWiresharkReadsCleanly(f);
            var read = Tools.readPcapng(f);
            assertThat(read.statistics()).isEqualTo(1);
            seen.addAll(read.packets());
        }
        assertThat(full).as("files filled to the limit (all but the one being written)").isGreaterThanOrEqualTo(2);
        assertThat(dir.resolve("ring3.pcapng")).doesNotExist();
        assertThat(seen).hasSizeGreaterThan(20);
    }

    @Test
    void timeRotationStartsANewFileEverySecond() throws Exception {
        var base = dir.resolve("t.pcapng");
        var out = PcapngOutput.toFile(base, new PcapngOutput.Rotation(0, 1, 0));
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                CaptureOptions.defaults().withFilter("udp").withBufferBytes(1 << 20), out)) {
            for (int i = 0; i < 5; i++) {
                Traffic.udp(net, 5, 100);
                Thread.sleep(500);
            }
            capture.stop();
            capture.await();
        }
        assertThat(out.files()).hasSizeBetween(2, 4).first().isEqualTo(base);
        long total = 0;
        for (var f : out.files()) {
            Tools.assertWiresharkReadsCleanly(f);
            total += Tools.readPcapng(f).packets().size();
        }
        assertThat(total).isEqualTo(25);
    }

    @Test
    void countStopsAtExactlyThatManyPackets() throws Exception {
        var file = dir.resolve("count.pcapng");
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                CaptureOptions.defaults().withFilter("udp").withMaxPackets(7).withBufferBytes(1 << 20),
                PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
            Traffic.udp(net, 50, 100);
            var result = capture.await();
            assertThat(result.reason()).isEqualTo(Capture.Reason.COUNT);
        }
        assertThat(Tools.readPcapng(file).packets()).hasSize(7);
        Tools.assertWiresharkReadsCleanly(file);
    }

    @Test
    void aFifoIsWrittenAsAStream() throws Exception {
        var fifo = dir.resolve("fifo.pcapng");
        var copy = dir.resolve("from-fifo.pcapng");
        Tools.run("mkfifo", fifo.toString());
        var reader = new ProcessBuilder("sh", "-c", "cat " + fifo + " > " + copy).start(); // as wireshark -k -i FIFO would
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                CaptureOptions.defaults().withFilter("udp").withMaxPackets(7).withBufferBytes(1 << 20),
                PcapngOutput.toFile(fifo, PcapngOutput.Rotation.NONE))) {
            Traffic.udp(net, 50, 100);
            assertThat(capture.await().reason()).isEqualTo(Capture.Reason.COUNT);
        }
        assertThat(reader.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        var read = Tools.readPcapng(copy);
        assertThat(read.packets()).hasSize(7);
        assertThat(read.delivered()).containsExactly(7L);
    }
}
