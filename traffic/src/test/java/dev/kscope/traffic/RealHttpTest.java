package dev.kscope.traffic;

import com.sun.net.httpserver.HttpServer;
import dev.kscope.traffic.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static dev.kscope.traffic.Http1Test.http;
import static org.assertj.core.api.Assertions.assertThat;

/** Real servers (JDK HttpServer with keep-alive, busybox httpd), real curl, real tcpdump; tshark as the oracle. */
@Tag("root")
class RealHttpTest {
    static final int KEEPALIVE_PORT = 22081, BUSYBOX_PORT = 22082, LIVE_PORT = 22083;

    @Test
    void keepAliveChunkedGzipAndErrorsMatchTshark() throws Exception {
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", KEEPALIVE_PORT), 16);
        server.createContext("/", ex -> {
            var path = ex.getRequestURI().getPath();
            ex.getRequestBody().readAllBytes();
            if (path.equals("/gzip")) {
                var gz = new ByteArrayOutputStream();
                try (var z = new GZIPOutputStream(gz)) {
                    z.write("compressed hello".getBytes(StandardCharsets.UTF_8));
                }
                ex.getResponseHeaders().add("Content-Encoding", "gzip");
                ex.sendResponseHeaders(200, gz.size());
                ex.getResponseBody().write(gz.toByteArray());
            } else if (path.equals("/chunked")) {
                ex.sendResponseHeaders(200, 0); // 0 = chunked
                for (int i = 0; i < 5; i++) {
                    ex.getResponseBody().write(("part" + i + ",").getBytes(StandardCharsets.UTF_8));
                    ex.getResponseBody().flush();
                }
            } else if (path.equals("/fail")) {
                ex.sendResponseHeaders(500, -1);
            } else {
                var body = ("you asked for " + path).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        try (var cap = new LoopbackCapture("http", false, "tcp port " + KEEPALIVE_PORT)) {
            var base = "http://127.0.0.1:" + KEEPALIVE_PORT;
            // One curl: one keep-alive connection for all URLs.
            LoopbackCapture.run("curl", "-s", "-o", "/dev/null", "--compressed", base + "/hello", base + "/gzip",
                    base + "/chunked", base + "/fail", "--next", "-s", "-o", "/dev/null", "-d", "a=1&b=2", base + "/form");
            var pcap = cap.stop();
            var ms = Replay.analyzeFile(pcap);
            assertThat(ms).extracting(Message::summary).containsExactly("GET /hello", "GET /gzip", "GET /chunked", "GET /fail", "POST /form");
            assertThat(ms).extracting(Message::status).containsExactly("200", "200", "200", "500", "200");
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.src().ip()).isEqualTo("127.0.0.1");
                assertThat(m.dst().port()).isEqualTo(KEEPALIVE_PORT);
                assertThat(m.latencyNanos()).isPositive();
            });
            assertThat(ms.stream().map(m -> m.src().port()).distinct()).hasSize(1); // keep-alive: one connection
            assertThat(http(ms.get(0))).containsEntry("response_body", "you asked for /hello");
            assertThat(http(ms.get(1))).containsEntry("response_body", "compressed hello");
            assertThat(http(ms.get(2))).containsEntry("response_body", "part0,part1,part2,part3,part4,");
            assertThat(http(ms.get(4))).containsEntry("request_body", "a=1&b=2").containsEntry("method", "POST");
            assertThat(ms.get(3).error()).isTrue();

            assertThat(fields(ms)).isEqualTo(tshark(pcap, KEEPALIVE_PORT));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void busyboxHttpdOneConnectionPerRequestOverPcapng() throws Exception {
        var www = Files.createTempDirectory("trf-www");
        Files.writeString(www.resolve("index.html"), "<h1>busybox</h1>");
        var httpd = new ProcessBuilder("busybox", "httpd", "-f", "-p", "127.0.0.1:" + BUSYBOX_PORT, "-h", www.toString()).start();
        try (var cap = new LoopbackCapture("busybox", true, "tcp port " + BUSYBOX_PORT)) {
            Thread.sleep(300);
            var base = "http://127.0.0.1:" + BUSYBOX_PORT;
            LoopbackCapture.run("curl", "-s", "-o", "/dev/null", base + "/index.html");
            LoopbackCapture.run("curl", "-s", "-o", "/dev/null", base + "/missing");
            LoopbackCapture.run("curl", "-s", "-o", "/dev/null", "-I", base + "/index.html");
            var pcap = cap.stop();
            var ms = Replay.analyzeFile(pcap);
            assertThat(ms).extracting(Message::summary).containsExactly("GET /index.html", "GET /missing", "HEAD /index.html");
            assertThat(ms).extracting(Message::status).containsExactly("200", "404", "200");
            assertThat(http(ms.get(0))).containsEntry("response_body", "<h1>busybox</h1>");
            assertThat(ms).allSatisfy(m -> assertThat(m.problem()).isNull());
            assertThat(fields(ms)).isEqualTo(tshark(pcap, BUSYBOX_PORT));
        } finally {
            httpd.destroy();
            try (var files = Files.list(www)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.delete(www);
        }
    }

    @Test
    void liveThroughAPipeFromTcpdump() throws Exception {
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", LIVE_PORT), 16);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            var body = "live".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        var tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-U", "--immediate-mode", "-s", "0", "-w", "-", "tcp port " + LIVE_PORT)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var seen = new java.util.concurrent.LinkedBlockingQueue<Message>();
        var source = new dev.kscope.traffic.pcap.PcapStreamSource(tcpdump.getInputStream(), "tcpdump");
        var analyzer = Thread.ofPlatform().start(() -> new TrafficAnalyzer(dev.kscope.traffic.resolve.EndpointResolver.NONE, seen::add).run(source));
        try {
            Thread.sleep(1000); // tcpdump's "listening" goes to stderr we discarded: give it a moment
            var client = java.net.http.HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + LIVE_PORT + "/live/" + i)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                // Each message shows up while the capture is still running.
                var m = seen.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(m).as("message " + i + " while tcpdump runs").isNotNull();
                assertThat(m.summary()).isEqualTo("GET /live/" + i);
                assertThat(m.status()).isEqualTo("200");
            }
        } finally {
            tcpdump.destroy();
            analyzer.join(10_000);
            server.stop(0);
        }
    }

    /** method, uri, status per message, in the shape tshark prints (request row then response row). */
    static List<String> fields(List<Message> ms) {
        var rows = new ArrayList<String>();
        for (var m : ms) {
            var h = http(m);
            rows.add(h.get("method") + "\t" + h.get("url") + "\t");
            rows.add("\t\t" + h.get("status"));
        }
        return rows;
    }

    static List<String> tshark(Path pcap, int port) throws Exception {
        var out = LoopbackCapture.run("tshark", "-r", pcap.toString(), "-d", "tcp.port==" + port + ",http", "-Y", "http",
                "-T", "fields", "-e", "http.request.method", "-e", "http.request.uri", "-e", "http.response.code");
        return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank() && l.contains("\t")).toList();
    }
}
