package dev.kscope.traffic;

import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.resolve.EndpointResolver;
import dev.kscope.traffic.ui.TrafficUi;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.kscope.traffic.Replay.MS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI in headless chromium (Debian's, driven by playwright-core from npm, installed into target/ on first
 * use). Tagged root with the other tests that need the real machine's tools.
 */
@Tag("root")
class TrafficUiTest {
    static final int PORT = 22180;

    @Test
    void streamFilterDetailAndServiceMapInChromium(@TempDir Path dir) throws Exception {
        try (var ui = new TrafficUi(new InetSocketAddress("127.0.0.1", PORT), 1000)) {
            var replay = new Replay();
            var t = replay.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake(MS);
            t.send(MS, "GET /api/orders HTTP/1.1\r\nHost: shop\r\nX-Request-Id: abc-123\r\n\r\n");
            t.reply(MS, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\ndatabase down");
            t.send(MS, "GET /api/health HTTP/1.1\r\nHost: shop\r\n\r\n");
            t.reply(MS, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            t.close(MS);
            var frames = new java.util.ArrayList<>(replay.frames);
            var dnsQuery = new byte[]{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 's', 'h', 'o', 'p', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 's', 'v', 'c', 0, 0, 1, 0, 1};
            var dnsResp = dnsQuery.clone();
            dnsResp[2] = (byte) 0x81;
            dnsResp[3] = (byte) 0x80;
            frames.add(dev.kscope.traffic.pcap.Frames.udp("10.0.0.1", 5000, "10.0.0.53", 53, dnsQuery));
            frames.add(dev.kscope.traffic.pcap.Frames.udp("10.0.0.53", 53, "10.0.0.1", 5000, dnsResp));
            var pcap = dir.resolve("ui.pcap");
            try (var w = new dev.kscope.traffic.pcap.PcapWriter(pcap, dev.kscope.traffic.pcap.LinkTypes.ETHERNET)) {
                long ts = 1_700_000_000_000_000_000L;
                for (var f : frames) w.write(ts += 1_000_000, f);
            }
            try (var src = new dev.kscope.traffic.pcap.PcapFileSource(pcap)) {
                // 10.0.0.53 is a service's ClusterIP: the row names it, the map draws it as a service node
                var kubeDns = new EndpointResolver.Name("kube-system", null, java.util.List.of(new EndpointResolver.ServicePorts("kube-dns", Map.of(53, "dns"))));
                new TrafficAnalyzer(ip -> ip.equals("10.0.0.53") ? kubeDns : null, ui).run(src);
            }

            // The API on its own: a bad filter is a 400 naming the column.
            var http = HttpClient.newHttpClient();
            var bad = http.send(HttpRequest.newBuilder(ui.uri().resolve("/api/messages?filter=http.status%20%3E%3D")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("invalid filter", "column");

            var work = Path.of("target/ui-test").toAbsolutePath();
            Files.createDirectories(work);
            if (!Files.isDirectory(work.resolve("node_modules/playwright-core"))) {
                var npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", work.toString(), "playwright-core@1")
                        .redirectErrorStream(true).start();
                var log = new String(npm.getInputStream().readAllBytes());
                assertThat(npm.waitFor()).as("npm install playwright-core: " + log).isZero();
            }
            Files.copy(Path.of("src/test/ui/ui-test.cjs"), work.resolve("ui-test.cjs"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            var node = new ProcessBuilder("node", "ui-test.cjs", ui.uri().toString()).directory(work.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (var out = new BufferedReader(new InputStreamReader(node.getInputStream()))) {
                assertThat(out.readLine()).as("initial checks in chromium (see stderr)").isEqualTo("READY");
                ui.accept(new Message(99, "http", new Endpoint("10.0.0.7", 41000, "web-1", "shop"),
                        new Endpoint("10.0.0.2", 80, null, null), System.currentTimeMillis() * 1_000_000L, 2_000_000,
                        20, 30, "GET /live", "200", false, null, Map.of("http", Map.of("method", "GET", "status", 200L))));
                assertThat(out.readLine()).as("the streamed message appears").isEqualTo("OK");
            } finally {
                if (!node.waitFor(30, TimeUnit.SECONDS)) node.destroyForcibly();
            }
            assertThat(node.exitValue()).isZero();
        }
    }
}
