package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.pcap.Packet;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapStreamSource;
import dev.kscope.traffic.pcap.PcapngWriter;
import dev.kscope.traffic.resolve.EndpointResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.kscope.traffic.Replay.MS;
import static org.assertj.core.api.Assertions.assertThat;

class PcapSourceTest {
    @TempDir
    Path dir;

    /** Hands out a byte array in small random reads, the way a pipe does. */
    static InputStream trickle(byte[] bytes, long seed) {
        var rnd = new Random(seed);
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= bytes.length) return -1;
                int n = Math.min(Math.min(len, 1 + rnd.nextInt(700)), bytes.length - pos);
                System.arraycopy(bytes, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private Path conversation() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake(MS);
        for (int i = 0; i < 20; i++) {
            t.send(MS, "GET /item/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
            t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        }
        t.close(MS);
        var pcap = dir.resolve("c.pcap");
        Replay.analyzeFrames(pcap, replay.frames);
        return pcap;
    }

    private static List<String> summaries(List<Message> ms) {
        return ms.stream().map(m -> m.summary() + " " + m.status() + " " + m.latencyNanos()).toList();
    }

    @Test
    void pipeAndFileGiveTheSameMessagesForPcapAndPcapng() throws Exception {
        var pcap = conversation();
        // The same packets as pcapng, written by our exporter.
        var pcapng = dir.resolve("c.pcapng");
        try (var w = new PcapngWriter(pcapng); var src = new PcapFileSource(pcap)) {
            src.run(w::write);
        }
        var fromFile = Replay.analyzeFile(pcap);
        assertThat(fromFile).hasSize(20);
        assertThat(summaries(Replay.analyzeFile(pcapng))).isEqualTo(summaries(fromFile));
        for (var file : List.of(pcap, pcapng)) {
            for (long seed = 0; seed < 5; seed++) {
                var out = new ArrayList<Message>();
                var src = new PcapStreamSource(trickle(Files.readAllBytes(file), seed), "pipe");
                new TrafficAnalyzer(EndpointResolver.NONE, out::add).run(src);
                assertThat(summaries(out)).isEqualTo(summaries(fromFile));
                assertThat(src.truncated()).isFalse();
            }
        }
    }

    @Test
    void aPipeCutMidRecordEndsAtTheLastWholePacket() throws Exception {
        var bytes = Files.readAllBytes(conversation());
        var cut = java.util.Arrays.copyOf(bytes, bytes.length - 7);
        var packets = new ArrayList<Packet>();
        var src = new PcapStreamSource(trickle(cut, 1), "pipe");
        src.run(packets::add);
        assertThat(src.truncated()).isTrue();
        try (var file = new PcapFileSource(conversation())) {
            long[] n = {0};
            file.run(p -> n[0]++);
            assertThat(packets).hasSize((int) n[0] - 1);
        }
    }
}
