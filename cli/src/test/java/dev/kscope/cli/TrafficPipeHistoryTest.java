package dev.kscope.cli;

import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.pcap.PcapWriter;
import dev.kscope.traffic.resolve.EndpointResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Packets that arrive through a pipe can't be re-read: with --db they are spooled, and 'query -w' exports from there. */
class TrafficPipeHistoryTest {
    @TempDir
    Path dir;

    @Test
    void messagesReadFromAPipeExportTheirPacketsFromTheSpool() throws Exception {
        var pcap = dir.resolve("piped.pcap");
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            long t = 1_700_000_000_000_000_000L;
            int cs = 100, ss = 5000;
            for (var path : List.of("/first", "/second")) {
                var q = ("GET " + path + " HTTP/1.1\r\nHost: web\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
                var r = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
                w.write(t += 10_000_000, Frames.tcp("10.1.0.5", 41000, "10.1.0.9", 8080, cs, ss, 0x18, q));
                cs += q.length;
                w.write(t += 1_000_000, Frames.tcp("10.1.0.9", 8080, "10.1.0.5", 41000, ss, cs, 0x18, r));
                ss += r.length;
            }
        }
        var db = dir.resolve("piped.duckdb");
        var p = KscopeProcess.builder(List.of(), Map.of(), "traffic", "-r", "-", "--db", db.toString(), "-o", "json")
                .redirectInput(pcap.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        var said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(said).isZero();
        Files.delete(pcap); // the export must come from the spool, not from the capture

        assertThat(Files.list(dir.resolve("piped.duckdb.packets")).toList()).hasSize(1);
        var out = dir.resolve("second.pcapng");
        var query = TrafficCommandTest.kscope("traffic", "query", "http.path == \"/second\"", "--db", db.toString(), "-w", out.toString());
        assertThat(query.code()).as(query.err()).isZero();
        assertThat(query.err()).isEqualTo("1 messages; 2 packets written to " + out + "\n");
        var read = new ArrayList<String>();
        try (var source = new PcapFileSource(out)) {
            new TrafficAnalyzer(EndpointResolver.NONE, m -> read.add(m.summary() + " " + m.status())).run(source);
        }
        assertThat(read).containsExactly("GET /second 200");
    }
}
