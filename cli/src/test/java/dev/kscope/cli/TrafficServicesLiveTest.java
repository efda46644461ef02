package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.testnode.TestNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live, on the real node: a call between two real pods, the server's real IP registered in a mock API server as the
 * endpoint of a Service. The node names the pods, the API adds the service and its port name.
 */
@Tag("root")
class TrafficServicesLiveTest {
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @Test
    void livePodCallIsNamedByItsService(@TempDir Path dir) throws Exception {
        var node = TestNode.shared();
        var ns = "svc-" + UUID.randomUUID().toString().substring(0, 8);
        var web = node.runPod(ns, "web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/etc");
        var client = node.runPod(ns, "client", "main", "/bin/sleep", "3600");
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        Process p = null;
        try (var api = server.createClient()) {
            for (var o : List.of(TrafficServicesTest.service(ns, "web", "10.96.23.1", "http", 80, 8080),
                    TrafficServicesTest.slice(ns, "web", "http", 8080, "web", web.ip()),
                    TrafficServicesTest.pod(ns, "web", web.ip()), TrafficServicesTest.pod(ns, "client", client.ip()))) {
                api.resource(o).create();
            }
            var kubeconfig = dir.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    current-context: mock
                    clusters: [{name: mock, cluster: {server: "http://localhost:%d"}}]
                    users: [{name: dev, user: {token: secret}}]
                    contexts: [{name: mock, context: {cluster: mock, user: dev}}]
                    """.formatted(server.getPort()));
            p = KscopeProcess.builder(List.of(), Map.of(), "traffic", "-n", ns, "-p", "web", "-o", "json",
                    "--containerd-socket", node.criSocket().toString(), "--kubeconfig", kubeconfig.toString()).start();
            var lines = new LinkedBlockingQueue<String>();
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            Thread.ofPlatform().daemon().start(() -> out.lines().forEach(lines::add));
            var err = new StringBuffer();
            var errStream = p.getErrorStream();
            var errReader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    err.append(new String(errStream.readAllBytes()));
                } catch (java.io.IOException closed) {
                    // destroyed
                }
            });
            String row = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (row == null && System.nanoTime() < deadline) {
                // the capture starts after the names are listed: call until a message comes out
                var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/hostname");
                assertThat(r.exitCode()).as(r.stderr()).isZero();
                row = lines.poll(500, TimeUnit.MILLISECONDS);
            }
            assertThat(row).as("a message within 20 s").isNotNull();
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> m = new ObjectMapper().readValue(row, Map.class);
            assertThat(m.get("dst")).isEqualTo(Map.of("ip", web.ip(), "port", 8080, "pod", "web", "namespace", ns,
                    "service", "web", "port_name", "http", "services", List.of("web")));
            assertThat(m.get("src")).containsEntry("pod", "client").containsEntry("namespace", ns).containsEntry("service", "").containsEntry("services", List.of());
            Thread.sleep(4500); // long enough for the watchdog to look at the (healthy) watches twice
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor(); // not destroy(): it closes the pipes
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
            errReader.join(5000);
            assertThat(err.toString()).as("a healthy API is not warned about").doesNotContain("warning").contains("messages");
        } finally {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            server.destroy();
            node.removePod(web);
            node.removePod(client);
        }
    }
}
