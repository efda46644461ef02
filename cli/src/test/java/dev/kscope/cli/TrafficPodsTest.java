package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kscope traffic names the pods at both ends of a call between two real pods on this node. */
@Tag("root")
class TrafficPodsTest {

    @Test
    void httpBetweenTwoPodsIsAttributedToBoth() throws Exception {
        var node = TestNode.shared();
        var ns = "traffic-" + UUID.randomUUID().toString().substring(0, 8);
        var web = node.runPod(ns, "web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/etc");
        var client = node.runPod(ns, "client", "main", "/bin/sleep", "3600");
        var pcap = Files.createTempFile("kscope-traffic-pods", ".pcap");
        // pod-to-pod frames are forwarded between bridge ports, never seen on the bridge itself: capture in web's netns
        var tcpdump = new ProcessBuilder("nsenter", "--net=/proc/" + node.pid(web.containerId()) + "/ns/net",
                "tcpdump", "-i", "eth0", "-U", "--immediate-mode", "-w", pcap.toString(), "tcp port 8080")
                .redirectErrorStream(true).start();
        var tcpdumpSaid = new StringBuffer();
        var said = new java.io.BufferedReader(new java.io.InputStreamReader(tcpdump.getInputStream()));
        for (String line; (line = said.readLine()) != null && !line.contains("listening on"); ) tcpdumpSaid.append(line).append('\n');
        Thread.ofPlatform().daemon().start(() -> said.lines().forEach(l -> tcpdumpSaid.append(l).append('\n')));
        try {
            var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/hostname");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            Thread.sleep(500);
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(tcpdump.pid())).start().waitFor();
            tcpdump.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            var run = TrafficCommandTest.kscope("traffic", "-r", pcap.toString(), "-o", "json",
                    "--containerd-socket", node.criSocket().toString());
            assertThat(run.code()).as(run.err()).isZero();
            var messages = run.out().lines().map(l -> {
                try {
                    return new ObjectMapper().readValue(l, Map.class);
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
            assertThat(messages).as(run.err() + "\ntcpdump: " + tcpdumpSaid).hasSize(1);
            var m = messages.getFirst();
            assertThat(m.toString()).contains("GET", "/hostname");
            assertThat(m.get("src")).asString().contains("pod=client", "namespace=" + ns);
            assertThat(m.get("dst")).asString().contains("pod=web", "namespace=" + ns);
        } finally {
            Files.deleteIfExists(pcap);
            node.removePod(web);
            node.removePod(client);
        }
    }

    @Test
    void liveAnalysisOfAPodCapturedInProcess() throws Exception {
        var node = TestNode.shared();
        var ns = "traffic-" + UUID.randomUUID().toString().substring(0, 8);
        var web = node.runPod(ns, "web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/etc");
        var client = node.runPod(ns, "client", "main", "/bin/sleep", "3600");
        var state = Files.createTempDirectory("traffic-state-");
        var env = Map.of("KSCOPE_STATE_DIR", state.toString());
        var p = KscopeProcess.builder(List.of(), env, "traffic", "-n", ns, "-p", "web",
                "--containerd-socket", node.criSocket().toString()).start();
        try {
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            assertThat(lines.readLine()).startsWith("TIME(UTC)"); // capturing
            Thread.sleep(500);
            for (int i = 0; i < 3; i++) {
                var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/hostname");
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            var queue = new java.util.concurrent.LinkedBlockingQueue<String>();
            Thread.ofPlatform().daemon().start(() -> lines.lines().forEach(queue::add));
            var rows = new java.util.ArrayList<String>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (rows.size() < 3 && System.nanoTime() < deadline) {
                var row = queue.poll(100, TimeUnit.MILLISECONDS);
                if (row != null) rows.add(row);
            }
            assertThat(rows).hasSize(3).allSatisfy(row -> assertThat(row).contains("http", ns + "/client", ns + "/web", "GET /hostname", "200"));
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
            var err = new String(p.getErrorStream().readAllBytes());
            assertThat(err).contains("3 messages (3 shown)", "history in " + state.resolve("traffic.duckdb"));
            // live, the history is kept by default: 'query' finds the calls there without being told where
            var stored = KscopeProcess.run(List.of(), env, "traffic", "query", "dst.pod == \"web\"", "-o", "json");
            assertThat(stored.exitCode()).as(stored.stderr()).isZero();
            assertThat(stored.stdout().lines()).hasSize(3).allSatisfy(l -> assertThat(l).contains("\"summary\":\"GET /hostname\""));
        } finally {
            p.destroyForcibly();
            try (var files = Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            node.removePod(web);
            node.removePod(client);
        }
    }
}
