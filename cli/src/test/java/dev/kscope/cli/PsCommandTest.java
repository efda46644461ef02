package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("root")
class PsCommandTest {
    static final String NS = "containers-ps";
    static TestNode node;
    static TestNode.Pod web;

    @BeforeAll
    static void pod() {
        node = TestNode.shared();
        web = node.runPod(NS, "web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/var/www");
    }

    @AfterAll
    static void cleanup() {
        if (web != null) node.removePod(web);
    }

    record Run(int exit, String out, String err) {
    }

    static Run kscope(String... args) {
        var r = InProcess.run(args);
        return new Run(r.code(), r.out(), r.err());
    }

    String socket() {
        return node.criSocket().toString();
    }

    @Test
    void listsThePodWithItsRuntimePidAndNamespaces() throws Exception {
        var pid = node.pid(web.containerId());
        var mntns = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString().replaceAll("\\D", "");
        var r = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS);
        assertThat(r.exit()).as(r.err()).isZero();
        var lines = r.out().lines().toList();
        assertThat(lines.getFirst()).matches("K8S.NAMESPACE +K8S.POD +K8S.CONTAINER +RUNTIME.NAME +RUNTIME.CONTAINERID +RUNTIME.IMAGE +PID +MNTNS +NETNS");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1).split(" +")).containsExactly(NS, "web", "httpd", "containerd", web.containerId().substring(0, 12),
                TestNode.IMAGE, Integer.toString(pid), mntns,
                Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString().replaceAll("\\D", ""));
        var custom = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS, "-o", "custom-columns=POD:.k8s.pod,PID:.pid");
        assertThat(custom.exit()).as(custom.err()).isZero();
        assertThat(custom.out().lines().map(l -> List.of(l.split(" +")))).containsExactly(List.of("POD", "PID"), List.of("web", Integer.toString(pid)));
    }

    @Test
    void jsonAndYamlCarryEveryField() throws Exception {
        var r = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS, "-p", "web", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(1); // one object per container and line, as every -o json
        var json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("runtime").get("containerid").asText()).isEqualTo(web.containerId());
        assertThat(json.get("k8s").get("poduid").asText()).isEqualTo(web.uid());
        assertThat(json.get("k8s").get("labels").get("io.kubernetes.pod.namespace").asText()).isEqualTo(NS);
        assertThat(json.get("pid").asInt()).isEqualTo(node.pid(web.containerId()));
        var yaml = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS, "-o", "yaml");
        assertThat(yaml.out()).contains("pod: web").contains("containerid: " + web.containerId());
        var wide = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS, "-o", "wide");
        assertThat(wide.out()).contains("K8S.PODUID").contains(web.uid()).contains(web.containerId().substring(0, 12)).contains("CGROUP");
    }

    @Test
    void helpTeachesByExample() {
        var r = kscope("ps", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Examples:").contains("kscope ps -n shop -l app=web").contains("--containerd-socket");
    }

    @Test
    void aSelectorThatMatchesNothingSaysSo() {
        var r = kscope("ps", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS, "-p", "nosuchpod");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("No containers found matching pod nosuchpod in namespace " + NS);
    }

    @Test
    void watchPrintsTheCurrentContainersThenStartsAndStops() throws Exception {
        var out = new java.io.PipedOutputStream();
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.io.PipedInputStream(out, 1 << 16), StandardCharsets.UTF_8));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                in.lines().forEach(lines::add);
            } catch (java.io.UncheckedIOException pipeBroken) {
                // the writing ps thread ended: the watch is over (else the trace lands in a later test's stderr)
            }
        });
        var oldOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        var ps = Thread.ofPlatform().start(() -> Kscope.execute("ps", "-w", "--containerd-socket", socket(), "--no-kubernetes", "-n", NS));
        try {
            assertThat(lines.poll(10, java.util.concurrent.TimeUnit.SECONDS)).startsWith("EVENT").contains("RUNTIME.CONTAINERID");
            assertThat(lines.poll(5, java.util.concurrent.TimeUnit.SECONDS)).startsWith("ADDED").contains(" web ");
            var late = node.runPod(NS, "late", "main", "sleep", "3600");
            assertThat(lines.poll(5, java.util.concurrent.TimeUnit.SECONDS)).startsWith("ADDED").contains(" late ");
            node.removePod(late);
            assertThat(lines.poll(10, java.util.concurrent.TimeUnit.SECONDS)).startsWith("REMOVED").contains(" late ");
        } finally {
            ps.interrupt();
            ps.join(10_000);
            System.setOut(oldOut);
        }
    }

    @Test
    void badInputGetsOneLineNamingTheFix() {
        var r = kscope("ps", "--runtimes", "rkt");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kscope: unknown container runtime 'rkt' (use one of containerd, cri-o, docker, podman)" + System.lineSeparator());
        assertThat(kscope("ps", "-n", "a", "-A").err()).contains("both -n a and -A given");
        assertThat(kscope("ps", "-l", "app=web,,").err()).contains("invalid label selector");
        assertThat(kscope("ps", "-o", "xml").err()).contains("unknown output format 'xml' (use -o columns (default), wide, json, yaml");
    }

    @Test
    void aMissingRuntimeSocketWarnsAndFallsBackToProc() {
        var r = kscope("ps", "--containerd-socket", "/tmp/containers-nosuch.sock", "--no-kubernetes", "-o", "wide");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("containerd at /tmp/containers-nosuch.sock does not answer (/tmp/containers-nosuch.sock does not exist)")
                .contains("found from /proc and cgroups");
        assertThat(r.out()).contains("proc").contains(web.containerId().substring(0, 12)).contains(web.uid());
    }
}
