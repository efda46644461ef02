package dev.kscope.capture;

import dev.kscope.core.KscopeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Faults end the capture with a clear message and a valid file of everything captured so far. */
@Tag("root")
class FaultsTest {
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("cap2-x");
    }

    @AfterAll
    static void tearDown() {
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void fullDiskLeavesAValidFileEndingWithStatisticsAndSaysSo() throws Exception {
        var mount = dir.resolve("full");
        Files.createDirectories(mount);
        Tools.run("mount", "-t", "tmpfs", "-o", "size=256k", "cap2-full", mount.toString());
        try (var net = new NetnsPair("d", 4)) {
            var file = mount.resolve("x.pcapng");
            Capture.Result result;
            try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(CaptureTarget.ANY))), // lo too: two statistics blocks to make room for
                    CaptureOptions.defaults().withFilter("udp").withBufferBytes(1 << 20), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
                for (int i = 0; i < 20 && !capture.output().done(); i++) {
                    Traffic.udp(net, 100, 1400);
                    Thread.sleep(150);
                }
                result = capture.await();
            }
            assertThat(result.reason()).isEqualTo(Capture.Reason.OUTPUT_FAILED);
            assertThat(result.message()).startsWith("cannot write " + file + ": no space left on device; the file holds the ")
                    .contains("(free some space, or bound the size with -C/-W)");
            var read = Tools.readPcapng(file);
            assertThat(read.packets()).hasSizeGreaterThan(100);
            assertThat((long) read.packets().size()).isEqualTo(result.stats().captured());
            assertThat(read.interfaceNames()).hasSize(2);
            assertThat(read.delivered()).as("statistics end the file, counting its packets per interface").containsExactly(
                    read.packets().stream().filter(p -> p.iface() == 0).count(), read.packets().stream().filter(p -> p.iface() == 1).count());
            Tools.assertWiresharkReadsCleanly(file);
        } finally {
            Tools.run("umount", mount.toString());
        }
    }

    @Test
    void deletedNamespaceEndsTheCaptureWithAValidFile() throws Exception {
        var net = new NetnsPair("n", 5);
        var file = dir.resolve("gone.pcapng");
        try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of())),
                CaptureOptions.defaults().withBufferBytes(1 << 20), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
            Traffic.udp(net, 10, 100);
            Thread.sleep(200);
            Tools.run("ip", "netns", "del", net.a);
            var ended = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return capture.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }).get(5, TimeUnit.SECONDS);
            assertThat(ended.reason()).isEqualTo(Capture.Reason.TARGET_GONE);
            assertThat(ended.message()).isEqualTo("network namespace /run/netns/" + net.a + " was deleted");
        } finally {
            net.close();
        }
        var read = Tools.readPcapng(file);
        assertThat(read.packets()).hasSizeGreaterThanOrEqualTo(10);
        assertThat(read.delivered()).as("statistics end the file").containsExactly((long) read.packets().size());
        Tools.assertWiresharkReadsCleanly(file);
    }

    @Test
    void deletedInterfaceEndsTheCaptureWithAValidFile() throws Exception {
        try (var net = new NetnsPair("i", 6)) {
            var file = dir.resolve("ifgone.pcapng");
            try (var capture = Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of(net.ifA))),
                    CaptureOptions.defaults().withBufferBytes(1 << 20), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
                Traffic.udp(net, 10, 100);
                Thread.sleep(200);
                Tools.run("ip", "-n", net.b, "link", "del", net.ifB); // as a CNI plugin does when the pod goes
                var ended = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return capture.await();
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                }).get(5, TimeUnit.SECONDS);
                assertThat(ended.reason()).isEqualTo(Capture.Reason.TARGET_GONE);
                assertThat(ended.message()).startsWith("interface " + net.ifA + " of network namespace /run/netns/" + net.a + " went down or was deleted");
            }
            var read = Tools.readPcapng(file);
            assertThat(read.packets()).hasSizeGreaterThanOrEqualTo(10);
            assertThat(read.delivered()).as("statistics end the file").containsExactly((long) read.packets().size());
            Tools.assertWiresharkReadsCleanly(file);
        }
    }

    @Test
    void badTargetsAreRefusedBeforeAnythingIsWritten() throws Exception {
        try (var net = new NetnsPair("b", 7)) {
            var out = dir.resolve("bad.pcapng");
            assertThatThrownBy(() -> Capture.start(List.of(CaptureTarget.netns("/run/netns/capnosuchns", List.of())),
                    CaptureOptions.defaults(), PcapngOutput.toFile(out, PcapngOutput.Rotation.NONE)))
                    .isInstanceOf(KscopeException.class)
                    .hasMessage("cannot enter network namespace /run/netns/capnosuchns: No such file or directory "
                            + "(give an existing namespace file, e.g. /run/netns/NAME or /proc/PID/ns/net)");
            assertThatThrownBy(() -> Capture.start(List.of(CaptureTarget.netns(net.pathA(), List.of("eth9"))),
                    CaptureOptions.defaults(), PcapngOutput.toFile(out, PcapngOutput.Rotation.NONE)))
                    .isInstanceOf(KscopeException.class)
                    .hasMessage("no interface eth9 in network namespace " + net.pathA() + " (interfaces there: lo, " + net.ifA + ")");
            assertThatThrownBy(() -> Capture.start(List.of(CaptureTarget.netns("/etc/hostname", List.of())),
                    CaptureOptions.defaults(), PcapngOutput.toFile(out, PcapngOutput.Rotation.NONE)))
                    .isInstanceOf(KscopeException.class)
                    .hasMessageStartingWith("cannot enter network namespace /etc/hostname: Invalid argument");
            assertThatThrownBy(() -> PcapngOutput.toFile(Path.of("/nonexistent-capture-dir/x.pcapng"), PcapngOutput.Rotation.NONE))
                    .isInstanceOf(KscopeException.class)
                    .hasMessage("cannot write /nonexistent-capture-dir/x.pcapng: the directory does not exist (create it or choose another -w path)");
            assertThatThrownBy(() -> PcapngOutput.toFile(dir, PcapngOutput.Rotation.NONE))
                    .isInstanceOf(KscopeException.class)
                    .hasMessage("cannot write " + dir + ": Is a directory (choose another -w path)");
            var readOnly = dir.resolve("ro");
            Files.createDirectories(readOnly);
            Tools.run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "cap2-ro", readOnly.toString());
            try {
                assertThatThrownBy(() -> PcapngOutput.toFile(readOnly.resolve("x.pcapng"), PcapngOutput.Rotation.NONE))
                        .isInstanceOf(KscopeException.class)
                        .hasMessage("cannot write " + readOnly.resolve("x.pcapng") + ": Read-only file system (choose another -w path)");
            } finally {
                Tools.run("umount", readOnly.toString());
            }
        }
    }
}
