package dev.kscope.cli;

import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kscope capture and kscope traffic, live on pods, pick up pods that start after them, as real processes on real pods. */
@Tag("root")
class FollowPodsTest {
    static TestNode node;
    static String ns;
    static TestNode.Pod web;
    static Path dir;
    static final List<TestNode.Pod> created = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void server() throws Exception {
        node = TestNode.shared();
        ns = "follow-" + UUID.randomUUID().toString().substring(0, 8);
        web = node.runPod(new TestNode.PodSpec(ns, "followweb", "httpd", List.of("httpd", "-f", "-p", "8080", "-h", "/etc"), Map.of("app", "followweb")));
        dir = Files.createTempDirectory("follow-cli");
    }

    @AfterAll
    static void cleanup() throws Exception {
        created.forEach(node::removePod);
        if (web != null) node.removePod(web);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void captureOfANamedPodPicksItUpAgainWhenItIsCreatedAgain() throws Exception {
        var first = client("followp");
        var file = dir.resolve("p.pcapng");
        var p = KscopeProcess.builder(List.of(), Map.of(), "capture", "-n", ns, "-p", "followp", "tcp port 8080", "-w", file.toString(),
                "--containerd-socket", node.criSocket().toString(), "--no-kubernetes").start();
        var err = lines(p.getErrorStream());
        try {
            awaitContaining(err, "capturing on " + ns + "/followp/eth0");
            fetch(first, 2);
            remove(first);
            await(err, "kscope: pod " + ns + "/followp went away");
            var again = client("followp");
            await(err, "kscope: now capturing pod " + ns + "/followp");
            fetch(again, 3);
            Thread.sleep(300);
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(String.join("\n", err)).isIn(0, 130);
        // both incarnations of the pod are interfaces of the one file, with their own packets
        var ids = new ProcessBuilder("tshark", "-r", file.toString(), "-T", "fields", "-e", "frame.interface_id", "-e", "frame.interface_name")
                .start();
        var perInterface = new String(ids.getInputStream().readAllBytes()).lines()
                .collect(java.util.stream.Collectors.groupingBy(l -> l, java.util.stream.Collectors.counting()));
        assertThat(perInterface.keySet()).containsExactlyInAnyOrder("0\t" + ns + "/followp/eth0", "1\t" + ns + "/followp/eth0");
        assertThat(perInterface.get("0\t" + ns + "/followp/eth0")).isGreaterThanOrEqualTo(2 * 8);
        assertThat(perInterface.get("1\t" + ns + "/followp/eth0")).isGreaterThanOrEqualTo(3 * 8);
        assertThat(String.join("\n", err)).contains(ns + "/followp/eth0: ", "packets captured");
    }

    @Test
    void withNoFollowTheCaptureEndsWhenItsPodIsGone() throws Exception {
        var pod = client("followq");
        var file = dir.resolve("q.pcapng");
        var p = KscopeProcess.builder(List.of(), Map.of(), "capture", "-n", ns, "-p", "followq", "--no-follow", "-w", file.toString(),
                "--containerd-socket", node.criSocket().toString(), "--no-kubernetes").start();
        var err = lines(p.getErrorStream());
        try {
            awaitContaining(err, "capturing on " + ns + "/followq/eth0");
            remove(pod);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as(String.join("\n", err)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).isEqualTo(1);
        awaitContaining(err, "kscope: ");
        // the namespace file or the interface: whichever the reader notices first
        assertThat(err).filteredOn(l -> l.startsWith("kscope: ")).singleElement().asString().contains("pod " + ns + "/followq", "deleted");
        assertThat(err).noneMatch(l -> l.contains("went away") || l.contains("now capturing"));

        var alone = KscopeProcess.run("capture", "-i", "lo", "--no-follow", "-w", dir.resolve("lo.pcapng").toString());
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.stderr()).isEqualTo("kscope: --no-follow is about pods: it goes with -p, -l or -A (drop it)\n");
    }

    @Test
    void liveTrafficNamesTheMessagesOfPodsThatStartedAfterIt() throws Exception {
        var p = KscopeProcess.builder(List.of(), Map.of(), "traffic", "-n", ns, "-l", "app=followtest", "-o", "json", "--no-db",
                "--containerd-socket", node.criSocket().toString(), "--no-kubernetes").start();
        var out = lines(p.getInputStream());
        var err = lines(p.getErrorStream());
        try {
            await(err, "kscope: no pod on this node matches -l app=followtest in namespace " + ns + " yet: waiting for one (Ctrl-C to stop)");
            await(err, "capturing live (Ctrl-C to stop)");
            var c = client("followc");
            await(err, "kscope: now capturing pod " + ns + "/followc");
            fetch(c, 1);
            awaitContaining(out, "\"pod\":\"followc\"");
            remove(c);
            await(err, "kscope: pod " + ns + "/followc went away");
            var d = client("followd");
            await(err, "kscope: now capturing pod " + ns + "/followd");
            fetch(d, 1);
            awaitContaining(out, "\"pod\":\"followd\"");
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(out).filteredOn(l -> l.contains("GET /passwd")).hasSize(2);
        assertThat(String.join("\n", err)).contains("2 messages (2 shown)");
    }

    private static TestNode.Pod client(String name) {
        var pod = node.runPod(new TestNode.PodSpec(ns, name, "main", List.of("/bin/sleep", "3600"), Map.of("app", "followtest")));
        created.add(pod);
        return pod;
    }

    private static void remove(TestNode.Pod pod) {
        node.removePod(pod);
        created.remove(pod);
    }

    private static void fetch(TestNode.Pod client, int times) {
        for (int i = 0; i < times; i++) {
            var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/passwd");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
    }

    /** The lines of a stream as they come. */
    private static List<String> lines(InputStream in) {
        var lines = new CopyOnWriteArrayList<String>();
        Thread.ofPlatform().daemon().start(() -> new BufferedReader(new InputStreamReader(in)).lines().forEach(lines::add));
        return lines;
    }

    private static void await(List<String> lines, String expected) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!lines.contains(expected) && System.nanoTime() < until) Thread.sleep(50);
        assertThat(lines).contains(expected);
    }

    private static void awaitContaining(List<String> lines, String part) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (lines.stream().noneMatch(l -> l.contains(part)) && System.nanoTime() < until) Thread.sleep(50);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains(part));
    }
}
