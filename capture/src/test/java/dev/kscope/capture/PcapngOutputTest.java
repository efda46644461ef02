package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file written through O_DIRECT (on /tmp's file system): chunk ends carried into the next chunk, idle flushes
 * that write the padded end and cut the file back, all of it read back packet for packet. Needs tshark, not root.
 */
class PcapngOutputTest {
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("cap2-out");
    }

    @AfterAll
    static void tearDown() {
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void everyPacketComesBackInOrderAcrossChunksAndIdleFlushes() throws Exception {
        var file = dir.resolve("many.pcapng");
        var out = PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE);
        var interfaces = List.of(
                new InterfaceInfo("a/eth0", "interface eth0", null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "udp"),
                new InterfaceInfo("a/lo", "interface lo", null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "udp"));
        out.begin(interfaces, 0, List::of);
        assertThat(openFlags(file) & 040000).as("opened with O_DIRECT").isNotZero();
        var random = new Random(42);
        var source = MemorySegment.ofArray(new byte[70_000]);
        for (long i = 0; i < source.byteSize(); i++) source.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        var sent = new ArrayList<Tools.Packet>();
        long perInterface[] = new long[2];
        for (int i = 0; i < 30_000; i++) {
            int len = i % 5000 == 17 ? 65_535 : 1 + random.nextInt(i % 3 == 0 ? 60 : 3000); // small and large, a GRO packet now and then
            int offset = random.nextInt(70_000 - len), id = i % 7 == 0 ? 1 : 0;
            long ts = 1_700_000_000_000_000_000L + i * 1000L;
            assertThat(out.packet(id, ts, source, offset, len, len + 4, PcapngBlocks.INBOUND, -1, 262144)).isTrue();
            sent.add(new Tools.Packet(id, ts, len + 4, source.asSlice(offset, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            perInterface[id]++;
            if (i % 6000 == 3000) { // quiet for a moment: what is buffered goes to the file, which ends after the last packet
                Thread.sleep(210);
                out.idle();
                waitForSize(file, sent);
                assertThat(Tools.readPcapng(file).packets()).containsExactlyElementsOf(sent);
            }
        }
        out.finish();
        assertThat(out.failure()).isNull();
        var read = Tools.readPcapng(file);
        assertThat(read.packets()).containsExactlyElementsOf(sent);
        assertThat(read.packets()).extracting(Tools.Packet::iface).containsExactlyElementsOf(sent.stream().map(Tools.Packet::iface).toList());
        assertThat(read.delivered()).containsExactly(perInterface[0], perInterface[1]);
        assertThat(Files.size(file)).isGreaterThan(20L << 20); // dozens of chunks
        Tools.assertWiresharkReadsCleanly(file);
    }

    /**
     * A stream (the pipe of {@code kscope traffic}'s live mode) that gets more packets than its 4 MiB buffer holds
     * with no pause in between: the full buffer goes to the channel, every packet arrives.
     */
    @Test
    void aStreamTakesMorePacketsThanItsBufferHoldsWithoutAPause() throws Exception {
        var file = dir.resolve("stream.pcapng");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            var out = PcapngOutput.toStream(channel);
            out.begin(List.of(new InterfaceInfo("eth0", null, null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), null)), 0, List::of);
            var source = MemorySegment.ofArray(new byte[1500]);
            var sent = new ArrayList<Tools.Packet>();
            for (int i = 0; i < 6_000; i++) { // 9 MB
                source.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                assertThat(out.packet(0, 1_700_000_000_000_000_000L + i, source, 0, 1500, 1500, PcapngBlocks.OUTBOUND, -1, 262144)).isTrue();
                sent.add(new Tools.Packet(0, 0, 1500, source.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
            out.finish();
            assertThat(out.failure()).isNull();
            assertThat(Tools.readPcapng(file).packets()).containsExactlyElementsOf(sent);
        }
        Tools.assertWiresharkReadsCleanly(file);
    }

    /** The flags this process opened {@code file} with, from /proc/self/fdinfo. */
    private static int openFlags(Path file) throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (var fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).equals(file)) continue;
                } catch (java.io.IOException e) {
                    continue; // closed meanwhile
                }
                for (var line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName()))) {
                    if (line.startsWith("flags:")) return Integer.parseInt(line.substring(6).strip(), 8);
                }
            }
        }
        throw new AssertionError(file + " is not open");
    }

    /** The writer thread writes in the background: wait until the file holds the packets sent so far. */
    private static void waitForSize(Path file, List<Tools.Packet> sent) throws Exception {
        long expected = 0;
        for (var p : sent) expected += 28 + ((p.data().length + 3) & ~3) + 12 + 4;
        for (int i = 0; i < 200; i++) {
            long size = Files.size(file);
            if (size > expected) return; // plus the section and interface headers
            Thread.sleep(10);
        }
    }

    /** A pod that starts after the capture: its IDB goes into the running file and into every file rotated to later. */
    @Test
    void interfacesAddedWhileWritingAreInTheFileAndInEveryLaterOne() throws Exception {
        var base = dir.resolve("added.pcapng");
        var first = new InterfaceInfo("shop/web-1/eth0", "pod", null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "");
        var later = new InterfaceInfo("shop/web-2/eth0", "pod", null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "");
        var out = PcapngOutput.toFile(base, new PcapngOutput.Rotation(45_000, 0, 0));
        var stats = List.of(new CaptureStats(0, 70, 1, 0, 0), new CaptureStats(0, 40, 0, 0, 0));
        out.begin(List.of(first), 0, () -> stats);
        var frame = MemorySegment.ofArray(new byte[1000]);
        long ts = 1_700_000_000_000_000_000L;
        for (int i = 0; i < 20; i++) assertThat(out.packet(0, ts + i, frame, 0, 1000, 1000, PcapngBlocks.INBOUND, -1, 262144)).isTrue();
        out.addInterfaces(List.of(later));
        for (int i = 20; i < 60; i++) assertThat(out.packet(i % 2, ts + i, frame, 0, 1000, 1000, PcapngBlocks.INBOUND, -1, 262144)).isTrue();
        out.finish();

        var files = out.files();
        assertThat(files).hasSize(2); // 60 packets of ~1 KB, 45 KB a file
        var firstFile = Tools.readPcapng(files.get(0));
        assertThat(firstFile.interfaceNames()).containsExactly("shop/web-1/eth0", "shop/web-2/eth0"); // the second after 20 packets
        var secondFile = Tools.readPcapng(files.get(1));
        assertThat(secondFile.interfaceNames()).containsExactly("shop/web-1/eth0", "shop/web-2/eth0");
        assertThat(secondFile.statistics()).isEqualTo(2);
        long onSecond = firstFile.packets().stream().filter(p -> p.iface() == 1).count() + secondFile.packets().stream().filter(p -> p.iface() == 1).count();
        assertThat(onSecond).isEqualTo(20);
        for (var f : files) {
            Tools.assertWiresharkReadsCleanly(f);
            var names = Tools.run("tshark", "-r", f.toString(), "-T", "fields", "-e", "frame.interface_name").lines().distinct().toList();
            assertThat(names).contains("shop/web-2/eth0");
        }
    }
}
