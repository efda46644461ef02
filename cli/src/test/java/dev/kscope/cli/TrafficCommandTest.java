package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.traffic.pcap.Frames;
import dev.kscope.traffic.pcap.LinkTypes;
import dev.kscope.traffic.pcap.PcapWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficCommandTest {
    @TempDir
    Path dir;
    Path pcap;

    /** Two HTTP calls (200 and 503) on one connection and one on another port, plus a DNS query. */
    @BeforeEach
    void writePcap() {
        pcap = dir.resolve("web.pcap");
        try (var w = new PcapWriter(pcap, LinkTypes.ETHERNET)) {
            long t = 1_700_000_000_000_000_000L;
            int cs = 100, ss = 5000;
            for (var call : List.of(new String[]{"GET /ok HTTP/1.1\r\nHost: web\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
                    new String[]{"GET /down HTTP/1.1\r\nHost: web\r\n\r\n", "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n"})) {
                var q = call[0].getBytes(StandardCharsets.ISO_8859_1);
                var r = call[1].getBytes(StandardCharsets.ISO_8859_1);
                w.write(t += 1_000_000, Frames.tcp("10.1.0.5", 41000, "10.1.0.9", 8080, cs, ss, 0x18, q));
                cs += q.length;
                w.write(t += 120_000_000, Frames.tcp("10.1.0.9", 8080, "10.1.0.5", 41000, ss, cs, 0x18, r));
                ss += r.length;
            }
            var dnsQuery = new byte[]{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1};
            var dnsResp = new byte[]{0x12, 0x34, (byte) 0x81, (byte) 0x83, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1};
            w.write(t += 1_000_000, Frames.udp("10.1.0.5", 53000, "10.96.0.10", 53, dnsQuery));
            w.write(t += 2_000_000, Frames.udp("10.96.0.10", 53, "10.1.0.5", 53000, dnsResp));
        }
    }

    record Run(int code, String out, String err) {
    }

    static Run kscope(String... args) {
        var r = InProcess.run(args);
        return new Run(r.code(), r.out(), r.err());
    }

    @Test
    void tableListsEveryMessage() {
        var r = kscope("traffic", "-r", pcap.toString());
        assertThat(r.code()).isZero();
        var lines = r.out().lines().toList();
        assertThat(lines.getFirst()).startsWith("TIME(UTC)").contains("PROTO", "SOURCE", "DESTINATION", "REQUEST", "STATUS", "LATENCY");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).contains("http", "10.1.0.5:41000", "10.1.0.9:8080", "GET /ok", "200", "120.0ms");
        assertThat(lines.get(2)).contains("GET /down", "503");
        assertThat(lines.get(3)).contains("dns", "A web", "NXDOMAIN", "2.0ms");
        assertThat(r.err()).contains("6 packets, 3 messages (3 shown)");
    }

    @Test
    void jsonWithCelFilter() throws Exception {
        var r = kscope("traffic", "-r", pcap.toString(), "-o", "json", "--filter", "http.status >= 500 && dst.port == 8080");
        assertThat(r.code()).isZero();
        var lines = r.out().lines().toList();
        assertThat(lines).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new ObjectMapper().readValue(lines.getFirst(), Map.class);
        assertThat(m).containsEntry("proto", "http").containsEntry("summary", "GET /down").containsEntry("status", "503")
                .containsEntry("error", true).containsEntry("latency_ms", 120.0);
        assertThat((Map<String, Object>) m.get("http")).containsEntry("status", 503).containsEntry("path", "/down");
        assertThat((Map<String, Object>) m.get("src")).containsEntry("ip", "10.1.0.5").containsEntry("port", 41000);
        assertThat(m.get("time")).isEqualTo("2023-11-14T22:13:20.122Z");

        var dns = kscope("traffic", "-r", pcap.toString(), "-o", "json", "--filter", "dns.rcode == 'NXDOMAIN' && latency_ms < 5");
        assertThat(dns.out().lines()).singleElement().asString().contains("\"name\":\"web\"");
    }

    @Test
    void customColumnsWideAndYamlForFilesAndHistory() throws Exception {
        var custom = kscope("traffic", "-r", pcap.toString(), "-o", "custom-columns=METHOD:.http.method,URI:.http.path,STATUS:.status,QUERY:.dns.name");
        assertThat(custom.code()).as(custom.err()).isZero();
        assertThat(custom.out().lines().map(l -> List.of(l.trim().split(" +")))).containsExactly(
                List.of("METHOD", "URI", "STATUS", "QUERY"), List.of("GET", "/ok", "200"), List.of("GET", "/down", "503"), List.of("NXDOMAIN", "web"));

        var wide = kscope("traffic", "-r", pcap.toString(), "-o", "wide").out().lines().toList();
        assertThat(wide.getFirst().split(" +")).containsExactly("TIME(UTC)", "PROTO", "SOURCE", "SRC-SERVICE", "DESTINATION", "DST-SERVICE",
                "REQUEST", "STATUS", "LATENCY", "BYTES", "NOTE");
        assertThat(wide).hasSize(4);

        @SuppressWarnings("unchecked")
        var yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readValues(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory().createParser(kscope("traffic", "-r", pcap.toString(), "-o", "yaml").out()), Map.class)
                .readAll();
        assertThat(yaml).hasSize(3).extracting(m -> m.get("summary")).containsExactly("GET /ok", "GET /down", "A web");

        var db = dir.resolve("custom.duckdb");
        kscope("traffic", "-r", pcap.toString(), "--db", db.toString());
        var query = kscope("traffic", "query", "http.status >= 500", "--db", db.toString(), "-o", "custom-columns=URI:.http.url,CLIENT:.src.ip,MS:.latency_ms");
        assertThat(query.out().lines().toList()).containsExactly("URI          CLIENT       MS", "/down        10.1.0.5     120.0");

        var absent = kscope("traffic", "-r", pcap.toString(), "-o", "custom-columns=URI:.http.uri");
        assertThat(absent.code()).isZero(); // a key the protocol's map may have: empty where it lacks it, as kubectl
        var unknown = kscope("traffic", "-r", pcap.toString(), "-o", "custom-columns=X:.nosuch");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("kscope: unknown field '.nosuch' in -o custom-columns (available: .id,.time,.proto,");
        assertThat(unknown.out()).isEmpty();
    }

    @Test
    void badFilterNamesTheColumn() {
        var r = kscope("traffic", "-r", pcap.toString(), "--filter", "http.status >= 500 && nosuch == 1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("kscope: invalid filter 'http.status >= 500 && nosuch == 1' at column 23: undeclared reference to 'nosuch'");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.out()).isEmpty();

        var syntax = kscope("traffic", "-r", pcap.toString(), "--filter", "http.status >=");
        assertThat(syntax.code()).isEqualTo(2);
        assertThat(syntax.err()).startsWith("kscope: invalid filter 'http.status >=' at column ");
    }

    @Test
    void badFilesAreOneLineErrors() throws Exception {
        var missing = kscope("traffic", "-r", dir.resolve("nope.pcap").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("kscope: cannot read " + dir.resolve("nope.pcap") + ": no such file (check the path given to -r)\n");

        var text = dir.resolve("notes.txt");
        Files.writeString(text, "this is not a capture file at all");
        var wrong = kscope("traffic", "-r", text.toString());
        assertThat(wrong.err()).startsWith("kscope: cannot read " + text + ": unknown file magic 0x74686973");

        var cut = dir.resolve("cut.pcap");
        var bytes = Files.readAllBytes(pcap);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        var truncated = kscope("traffic", "-r", cut.toString());
        assertThat(truncated.code()).isZero();
        assertThat(truncated.err()).contains("the file ends in the middle of a packet");

        assertThat(kscope("traffic", "-r", pcap.toString(), "-o", "xml").err()).startsWith("kscope: unknown output format 'xml' (use -o table, wide, json, yaml, columns=NAME,… or custom-columns=HEADER:.path,…, e.g. custom-columns=METHOD:.http.method,STATUS:.status)");
    }

    @Test
    void helpTeachesByExample() {
        var r = kscope("traffic", "--help");
        assertThat(r.out()).contains("kscope traffic -r web.pcap --filter 'http.status >= 500'", "Filter variables");
    }

    @Test
    void historyQueryAndPacketExport() throws Exception {
        var db = dir.resolve("hist/traffic.duckdb");
        var stored = kscope("traffic", "-r", pcap.toString(), "--db", db.toString(), "-o", "json");
        assertThat(stored.code()).isZero();
        assertThat(stored.out().lines()).hasSize(3);

        var all = kscope("traffic", "query", "--db", db.toString());
        assertThat(all.code()).isZero();
        assertThat(all.out().lines().skip(1)).hasSize(3);

        var out = dir.resolve("errors.pcapng");
        var errors = kscope("traffic", "query", "http.status >= 500", "--db", db.toString(), "-o", "json", "-w", out.toString());
        assertThat(errors.code()).isZero();
        assertThat(errors.out().lines()).singleElement().asString().contains("\"summary\":\"GET /down\"", "\"status\":503");
        assertThat(errors.err()).isEqualTo("1 messages; 2 packets written to " + out + "\n");
        // The exported pcapng reads back (through our reader) as exactly that message.
        var again = kscope("traffic", "-r", out.toString(), "-o", "json");
        assertThat(again.out().lines()).singleElement().asString().contains("\"summary\":\"GET /down\"");

        // Storing the same capture again adds to the history; --since counts back from now (the capture is from 2023).
        kscope("traffic", "-r", pcap.toString(), "--db", db.toString());
        assertThat(kscope("traffic", "query", "--db", db.toString(), "-o", "json").out().lines()).hasSize(6);
        assertThat(kscope("traffic", "query", "--db", db.toString(), "--since", "10m", "-o", "json").out()).isEmpty();

        var both = kscope("traffic", "-r", pcap.toString(), "--db", db.toString(), "--no-db");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).isEqualTo("kscope: --db and --no-db contradict each other (drop one)\n");
        assertThat(kscope("traffic", "query", "--db", db.toString(), "-o", "xml").err())
                .isEqualTo("kscope: unknown output format 'xml' (use -o table, wide, json, yaml, columns=NAME,… or custom-columns=HEADER:.path,…, e.g. custom-columns=METHOD:.http.method,STATUS:.status)\n");
        assertThat(kscope("traffic", "query", "--db", dir.resolve("none.duckdb").toString()).err())
                .startsWith("kscope: no message history at");
        assertThat(kscope("traffic", "query", "--db", db.toString(), "--since", "10 minutes").err())
                .startsWith("kscope: invalid duration '10 minutes' for --since");
    }

    @Test
    void retentionDropsMessagesOlderThanTheNewest() {
        var db = dir.resolve("short.duckdb");
        // A 0s retention keeps only what started with the newest message (the DNS query, last in the capture).
        assertThat(kscope("traffic", "-r", pcap.toString(), "--db", db.toString(), "--retention", "0s").code()).isZero();
        var left = kscope("traffic", "query", "--db", db.toString(), "-o", "json").out().lines().toList();
        assertThat(left).singleElement().asString().contains("\"proto\":\"dns\"");
    }

    @Test
    void standardInputIsReadAsAPipe() throws Exception {
        var oldIn = System.in;
        System.setIn(Files.newInputStream(pcap));
        try {
            var r = kscope("traffic", "-r", "-", "-o", "json");
            assertThat(r.code()).isZero();
            assertThat(r.out().lines()).hasSize(3);
            assertThat(r.err()).contains("6 packets, 3 messages");
        } finally {
            System.setIn(oldIn);
        }
    }
}
