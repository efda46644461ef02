package dev.kscope.testnode;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("root")
class TestNodeTest {

    @Test
    void runsAPodLikeKubeletExecsInItAndFindsItsPid() throws Exception {
        var node = TestNode.shared();
        var pod = node.runPod("default", "testnode-web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/var/www");
        try {
            assertThat(pod.ip()).startsWith("10.88.");
            var r = node.exec(pod.containerId(), "sh", "-c", "echo $POD_NAME; wget -q -O- http://127.0.0.1:8080/");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).contains("testnode-web").contains("hello from busybox httpd");
            var pid = node.pid(pod.containerId());
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).startsWith("httpd");
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains("/kubepods/besteffort/pod" + pod.uid() + "/" + pod.containerId());
            assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")))
                    .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        } finally {
            node.removePod(pod);
        }
    }

    @Test
    void podsGetEnvAndReadOnlyHostMounts() throws Exception {
        var node = TestNode.shared();
        var dir = Files.createTempDirectory("containers-testnode");
        Files.writeString(dir.resolve("hello.txt"), "from the host\n");
        var pod = node.runPod(TestNode.PodSpec.of("containers-testnode", "env", "main", "sleep", "3600")
                .withEnv("GREETING", "hi").withMount(dir.toString(), "/data"));
        try {
            var r = node.exec(pod.containerId(), "sh", "-c", "echo $GREETING; cat /data/hello.txt; touch /data/x 2>/dev/null || echo ro");
            assertThat(r.stdout()).isEqualTo("hi\nfrom the host\nro\n");
        } finally {
            node.removePod(pod);
            Files.delete(dir.resolve("hello.txt"));
            Files.delete(dir);
        }
    }

    @Test
    void podmanServesTheDockerApi() throws Exception {
        var podman = TestNode.shared().podman();
        var id = podman.run("containers-testnode-sleep", Map.of("app", "sleeper"), "sleep", "3600");
        try {
            assertThat(podman.pid("containers-testnode-sleep")).isPositive();
            var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(podman.socket()));
            try (ch) {
                ch.write(java.nio.ByteBuffer.wrap("GET /v1.41/containers/json HTTP/1.0\r\nHost: d\r\n\r\n".getBytes()));
                var body = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes());
                assertThat(body).startsWith("HTTP/1.").contains(id);
            }
        } finally {
            podman.rm("containers-testnode-sleep");
        }
    }
}
