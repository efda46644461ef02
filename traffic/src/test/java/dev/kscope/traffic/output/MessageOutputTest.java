package dev.kscope.traffic.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.core.KscopeException;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every -o format of kscope traffic, byte for byte, on fixed messages (src/test/resources/…/golden-*.txt). The table, wide,
 * json and yaml files were written by the printer these formats had before they moved to core/output (MessageFormat), so
 * they also pin the JSON shape the web UI and scripts read. One change since, in yaml: {@code status: "200"} is quoted
 * (MessageFormat wrote the string bare, which YAML reads as a number).
 */
class MessageOutputTest {
    static final long T0 = 1_700_000_000_123_456_789L;

    static final List<Message> MESSAGES = List.of(
            new Message(1, "http", new Endpoint("10.1.0.5", 41000, "frontend-5c4-q2w", "shop", null, null, List.of("frontend")),
                    new Endpoint("10.96.0.20", 80, null, "shop", "orders", "http", List.of()), T0, 120_049_999, 38, 120,
                    "GET /orders?limit=10", "200", false, null, Map.of("http", ordered("method", "GET", "path", "/orders", "url", "/orders?limit=10",
                    "status", 200L, "request_headers", ordered("Host", "orders", "Accept", "*/*")))),
            new Message(2, "dns", new Endpoint("fd00::5", 53000, null, null), new Endpoint("10.96.0.10", 53, null, null), T0 + 1_000_000_000L,
                    850_400, 21, 21, "A nosuch.shop.svc.cluster.local", "NXDOMAIN", true, null,
                    Map.of("dns", ordered("id", 4660L, "name", "nosuch.shop.svc.cluster.local", "type", "A", "rcode", "NXDOMAIN", "answers", List.of(), "truncated", false))),
            new Message(3, "redis", new Endpoint("10.1.0.7", 50000, "cart-0", "shop"), new Endpoint("10.1.0.8", 6379, "redis-0", "shop", null, null, List.of("redis", "cache")),
                    T0 + 2_345_000_000L, -1, 60, 0, "SET session:4f1c8a9e2b7d4c6e8a0f1b3d5e7a9c1b " + "x".repeat(40), "", false, "no response",
                    Map.of("redis", ordered("command", "SET", "args", List.of("session:4f1c", "x")))),
            new Message(4, "grpc", new Endpoint("10.1.0.9", 43000, null, null), new Endpoint("10.1.0.10", 50051, null, null), T0 + 59_999_000_000L,
                    2_345_000_000L, 512, 10_485_760, "helloworld.Greeter/SayHello", "UNAVAILABLE", true, "gap in capture",
                    Map.of("grpc", ordered("service", "helloworld.Greeter", "method", "SayHello", "status", "UNAVAILABLE", "code", 14L, "latency", 2.5))));

    /** A map in the order given (the dissectors' maps keep their insertion order too). */
    static Map<String, Object> ordered(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static String render(String format) {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, false, StandardCharsets.UTF_8);
        try (var printer = MessagePrinter.of(format, out, 0)) {
            printer.header();
            MESSAGES.forEach(printer::print);
            printer.lost(3, 5);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static String golden(String name) throws IOException {
        try (var in = MessageOutputTest.class.getResourceAsStream("golden-" + name + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "table, table",
            "wide, wide",
            "json, json",
            "yaml, yaml",
            "'custom-columns=METHOD:.http.method,URI:.http.url,STATUS:.status,MS:.latency_ms,CLIENT:.src.pod,SVC:.dst.services[1],QUERY:.dns.name,HOST:.http.request_headers.Host', custom",
            "'columns=proto,status,src.pod,dst.ip,note', chosen",
            "'columns=+src.pod,-bytes,-note', edited",
    })
    void matchesGolden(String format, String golden) throws IOException {
        assertThat(render(format)).isEqualTo(golden(golden));
    }

    @Test
    void oneMessageAsJsonIsTheLineOfTheStream() throws IOException {
        var lines = golden("json").lines().toList();
        for (int i = 0; i < MESSAGES.size(); i++) assertThat(MessageColumns.json(MESSAGES.get(i))).isEqualTo(lines.get(i));
    }

    @Test
    void customColumnPathsAreTheJsonPaths() throws IOException {
        // every leaf path of the JSON shape names a column: what jq shows, custom-columns shows
        @SuppressWarnings("unchecked")
        Map<String, Object> first = new ObjectMapper().readValue(MessageColumns.json(MESSAGES.getFirst()), Map.class);
        var paths = new ArrayList<String>();
        leafPaths("", first, paths);
        assertThat(paths).contains(".src.pod", ".http.method", ".http.request_headers.Host", ".latency_ms");
        for (var path : paths) {
            var out = new ByteArrayOutputStream();
            try (var p = MessagePrinter.of("custom-columns=X:" + path, new PrintStream(out, true, StandardCharsets.UTF_8), 0)) {
                p.print(MESSAGES.getFirst());
            }
            assertThat(out.toString(StandardCharsets.UTF_8).lines().skip(1).findFirst().orElseThrow()).as(path).isNotBlank();
        }
    }

    @SuppressWarnings("unchecked")
    private static void leafPaths(String prefix, Map<String, Object> map, List<String> paths) {
        map.forEach((k, v) -> {
            if (v instanceof Map<?, ?> inner) leafPaths(prefix + "." + k, (Map<String, Object>) inner, paths);
            else if (!(v instanceof List<?> l && l.isEmpty()) && !"".equals(v)) paths.add(prefix + "." + k);
        });
    }

    @Test
    void badFormatsAndPathsAreOneLineErrorsNamingTheFix() {
        assertThatThrownBy(() -> render("xml")).isInstanceOf(KscopeException.class)
                .hasMessage("unknown output format 'xml' (use -o table, wide, json, yaml, columns=NAME,… or custom-columns=HEADER:.path,…, "
                        + "e.g. custom-columns=METHOD:.http.method,STATUS:.status)");
        assertThatThrownBy(() -> render("custom-columns=M:.http.method,X:.nosuch")).isInstanceOf(KscopeException.class)
                .hasMessageStartingWith("unknown field '.nosuch' in -o custom-columns (available: .id,.time,.proto,.src.ip,");
        assertThatThrownBy(() -> render("custom-columns=M:http.method")).hasMessageStartingWith("invalid custom column 'M:http.method' (write HEADER:.path");
        assertThatThrownBy(() -> render("columns=proto,bogus")).hasMessageStartingWith("unknown column 'bogus' (available: id,time,time(utc),proto,");
    }

    @Test
    void controlCharactersInASummaryAreShownEscapedNotPrinted() {
        var m = new Message(9, "redis", new Endpoint("10.0.0.1", 1, null, null), new Endpoint("10.0.0.2", 6379, null, null), T0, 1000, 1, 1,
                "SET k \"a\nb\u001b[31m\"", "OK", false, null, Map.of());
        var bytes = new ByteArrayOutputStream();
        try (var p = MessagePrinter.of("table", new PrintStream(bytes, true, StandardCharsets.UTF_8), 0)) {
            p.print(m);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(2).last().asString()
                .contains("SET k \"a\\nb\\x1b[31m\"").doesNotContain("\u001b");
    }

    @Test
    void latencyIsRoundedAsPrintfWouldRoundIt() {
        var random = new java.util.Random(42);
        for (int i = 0; i < 200_000; i++) {
            long nanos = switch (i % 4) {
                case 0 -> random.nextLong(1_000_000);
                case 1 -> random.nextLong(1_000_000_000);
                case 2 -> random.nextLong(1_000_000_000_000L);
                default -> (long) (Math.pow(10, random.nextInt(12)) * (5 + random.nextInt(3) - 1)) + random.nextInt(3) - 1; // near the rounding edges
            };
            if (nanos < 0) continue;
            var expected = nanos < 1_000_000 ? String.format("%.0fus", nanos / 1e3)
                    : nanos < 1_000_000_000 ? String.format("%.1fms", nanos / 1e6) : String.format("%.2fs", nanos / 1e9);
            assertThat(MessageColumns.latency(nanos)).as("%d ns", nanos).isEqualTo(expected);
        }
        assertThat(MessageColumns.latency(-1)).isEqualTo("-");
    }

    @Test
    void dropRecordsAndMessagesFromTwoThreadsNeverInterleaveWithinALine() throws Exception {
        var bytes = new ByteArrayOutputStream();
        var printer = MessagePrinter.of("json", new PrintStream(bytes, false, StandardCharsets.UTF_8), 0);
        var start = new CountDownLatch(1);
        var drops = Thread.ofPlatform().start(() -> {
            try {
                start.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 1; i <= 2_000; i++) printer.lost(1, i);
        });
        start.countDown();
        for (int i = 0; i < 20_000; i++) printer.print(MESSAGES.get(i % MESSAGES.size()));
        drops.join();
        printer.close();
        var mapper = new ObjectMapper();
        var lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(22_000);
        long dropRecords = 0;
        for (var line : lines) {
            var record = mapper.readTree(line); // each line one whole object
            if (record.has("dropped_packets")) dropRecords++;
            else assertThat(record.get("proto")).isNotNull();
        }
        assertThat(dropRecords).isEqualTo(2_000);
    }
}
