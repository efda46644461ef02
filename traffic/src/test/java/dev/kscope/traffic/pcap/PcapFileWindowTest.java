package dev.kscope.traffic.pcap;

import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.resolve.EndpointResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The file is mapped a window at a time: records that straddle windows, or outgrow them, read as from one mapping. */
class PcapFileWindowTest {
    @TempDir
    Path dir;

    @Test
    void windowsOfAnySizeGiveTheSameMessages() {
        var pcap = dir.resolve("http.pcap");
        long packets = SyntheticHttpCapture.write(pcap, 12, 6);
        var whole = analyze(new PcapFileSource(pcap, Long.MAX_VALUE / 4));
        assertThat(whole).hasSize(72);
        // 777 bytes is smaller than most response records (a window is grown for them); 4096 cuts records anywhere
        for (long window : new long[]{777, 4096, 65_537}) {
            var source = new PcapFileSource(pcap, window);
            assertThat(analyze(source)).as("window %d", window).isEqualTo(whole);
            assertThat(source.packetCount()).isEqualTo(packets);
            assertThat(source.truncated()).isFalse();
        }
    }

    @Test
    void aFileCutInARecordEndsAtTheLastWholePacket() throws IOException {
        var pcap = dir.resolve("http.pcap");
        long packets = SyntheticHttpCapture.write(pcap, 3, 4);
        var bytes = Files.readAllBytes(pcap);
        var cut = dir.resolve("cut.pcap");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 30));
        for (long window : new long[]{500, 4096, 1 << 20}) {
            var source = new PcapFileSource(cut, window);
            analyze(source);
            assertThat(source.truncated()).as("window %d", window).isTrue();
            assertThat(source.packetCount()).isEqualTo(packets - 1);
        }
    }

    private static List<String> analyze(PcapFileSource source) {
        var out = new ArrayList<Message>();
        try (source) {
            new TrafficAnalyzer(EndpointResolver.NONE, out::add).run(source);
        }
        return out.stream().map(m -> m.id() + " " + m.summary() + " " + m.status() + " " + m.latencyNanos() + " "
                + m.requestBytes() + "/" + m.responseBytes() + " " + m.details()).toList();
    }
}
