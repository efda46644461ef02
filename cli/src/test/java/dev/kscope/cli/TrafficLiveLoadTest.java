package dev.kscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live analysis under load between two real pods: the benchmark's C HTTP/1.1 server and load client
 * (bench/traffic/live/) make 2,000 keep-alive calls over 4 connections at 1,000/s while {@code kscope traffic -p web
 * -o json --db} captures the server pod. Every call must come out as exactly one message naming both pods, stored in
 * the history with its packets in the spool, so that {@code query -w} exports pcapng that tshark reads back.
 */
@Tag("root")
class TrafficLiveLoadTest {
    private static final int PORT = 24081, CALLS = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path dir;
    static TestNode node;
    static TestNode.Pod web, load;
    static String ns;
    static Path db;
    static List<JsonNode> messages = new ArrayList<>();
    static String stderr;
    static int exitCode;
    static String loadSaid;

    @BeforeAll
    static void callsBetweenTwoPodsAnalyzedLive() throws Exception {
        dir = Files.createTempDirectory("live-test");
        compile("livehttpd");
        compile("liveload");
        node = TestNode.shared();
        ns = "live-" + UUID.randomUUID().toString().substring(0, 8);
        web = node.runPod(TestNode.PodSpec.of(ns, "web", "httpd", "/bench/livehttpd", Integer.toString(PORT)).withMount(dir.toString(), "/bench"));
        load = node.runPod(TestNode.PodSpec.of(ns, "load", "main", "/bin/sleep", "3600").withMount(dir.toString(), "/bench"));
        db = dir.resolve("history.duckdb");
        var out = dir.resolve("kscope.out");
        var err = dir.resolve("kscope.err");
        var p = KscopeProcess.builder(List.of(), Map.of(), "traffic", "-n", ns, "-p", "web", "-o", "json", "--db", db.toString(),
                "--containerd-socket", node.criSocket().toString()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err).contains("capturing live on " + ns + "/web/eth0")) {
                assertThat(p.isAlive() && System.nanoTime() < deadline).as(Files.readString(err)).isTrue();
                Thread.sleep(50);
            }
            var r = node.exec(load.containerId(), Duration.ofSeconds(60), "/bench/liveload", web.ip(), Integer.toString(PORT), "4", "1000", "2");
            loadSaid = r.stdout().trim() + r.stderr();
            assertThat(r.exitCode()).as(loadSaid).isZero();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.readAllLines(out).size() < CALLS && System.nanoTime() < deadline) Thread.sleep(100);
            Thread.sleep(500); // anything beyond CALLS would be a duplicate: give it the chance to show
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            exitCode = p.exitValue();
        } finally {
            p.destroyForcibly();
        }
        for (var line : Files.readAllLines(out)) messages.add(JSON.readTree(line));
        stderr = Files.readString(err);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (node != null) {
            if (web != null) node.removePod(web);
            if (load != null) node.removePod(load);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static void compile(String name) throws Exception {
        var root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("bench/traffic/live"))) root = root.getParent();
        var gcc = new ProcessBuilder("gcc", "-O2", "-static", "-pthread", "-o", dir.resolve(name).toString(),
                root.resolve("bench/traffic/live/" + name + ".c").toString()).redirectErrorStream(true).start();
        var said = new String(gcc.getInputStream().readAllBytes());
        assertThat(gcc.waitFor()).as("gcc: " + said).isZero();
    }

    @Test
    void everyCallIsExactlyOneMessageNamingBothPods() {
        assertThat(loadSaid).startsWith("sent " + CALLS + " received " + CALLS + " ");
        assertThat(exitCode).as(stderr).isEqualTo(143); // stopped by SIGTERM, after the summary
        assertThat(messages).as(stderr).hasSize(CALLS);
        var paths = new java.util.HashSet<String>();
        for (var m : messages) {
            assertThat(m.path("proto").asText()).isEqualTo("http");
            assertThat(m.path("status").asText()).isEqualTo("200");
            assertThat(m.path("src").path("pod").asText()).isEqualTo("load");
            assertThat(m.path("src").path("namespace").asText()).isEqualTo(ns);
            assertThat(m.path("dst").path("pod").asText()).isEqualTo("web");
            assertThat(m.path("dst").path("port").asInt()).isEqualTo(PORT);
            assertThat(m.has("problem")).as(m.toString()).isFalse();
            paths.add(m.path("http").path("path").asText());
        }
        assertThat(paths).hasSize(CALLS).contains("/items/0/0", "/items/3/499"); // 4 connections x 500 calls, each once
        assertThat(stderr).contains(CALLS + " messages (" + CALLS + " shown)", "0 gaps, 0 packets dropped by the kernel")
                .doesNotContain("warning");
    }

    @Test
    void historyHoldsEveryCallAndExportsTheirPacketsForTshark() throws Exception {
        var all = TrafficCommandTest.kscope("traffic", "query", "--db", db.toString(), "-o", "json");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out().lines()).hasSize(CALLS);

        var pcapng = dir.resolve("two.pcapng");
        var two = TrafficCommandTest.kscope("traffic", "query", "http.path in [\"/items/1/7\", \"/items/2/300\"]",
                "--db", db.toString(), "-w", pcapng.toString());
        assertThat(two.code()).as(two.err()).isZero();
        assertThat(two.err()).contains("2 messages");
        var tshark = new ProcessBuilder("tshark", "-r", pcapng.toString(), "-d", "tcp.port==" + PORT + ",http", "-Y", "http", "-T", "fields",
                "-e", "ip.src", "-e", "http.request.uri", "-e", "http.response.code")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var rows = new String(tshark.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).toList();
        assertThat(tshark.waitFor()).isZero();
        assertThat(rows).containsExactly(
                load.ip() + "\t/items/1/7\t", web.ip() + "\t\t200",
                load.ip() + "\t/items/2/300\t", web.ip() + "\t\t200");
    }
}
