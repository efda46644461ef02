package dev.kscope.capture;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A capture of pods by label that follows them: pods that start after it are captured into the running pcapng (new
 * IDBs mid-file, read back by tshark), a pod that goes away ends alone, and the capture waits for the next.
 */
@Tag("root")
class PodFollowTest {
    static TestNode node;
    static String ns;
    static TestNode.Pod web;
    static Path dir;
    static ContainerCollectionOptions options;
    static final List<TestNode.Pod> created = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void server() throws Exception {
        node = TestNode.shared();
        ns = "follow-" + UUID.randomUUID().toString().substring(0, 8);
        web = node.runPod(new TestNode.PodSpec(ns, "followweb", "httpd", List.of("httpd", "-f", "-p", "8080", "-h", "/etc"), Map.of("app", "followweb")));
        dir = Files.createTempDirectory("follow-capture");
        options = ContainerCollectionOptions.defaults()
                .withRuntimes(List.of(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket())))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null);
    }

    @AfterAll
    static void cleanup() {
        created.forEach(node::removePod);
        if (web != null) node.removePod(web);
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void podsThatStartLaterAreCapturedIntoTheRunningFileAndOneGoingAwayEndsAlone() throws Exception {
        var file = dir.resolve("followed.pcapng");
        var notices = new CopyOnWriteArrayList<String>();
        Capture.Result result;
        List<CaptureStats> stats;
        List<InterfaceInfo> interfaces;
        try (var follower = PodFollower.open(options, new PodTargetResolver.PodQuery(ns, List.of(), null, "app=followtest", false));
             var capture = Capture.startOpen(CaptureOptions.defaults().withFilter("tcp port 8080"), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
            follower.start(capture, notices::add);
            assertThat(notices).containsExactly("no pod on this node matches -l app=followtest in namespace " + ns + " yet: waiting for one (Ctrl-C to stop)");

            var a = runClient("followa");
            awaitNotice(notices, "now capturing pod " + ns + "/followa");
            fetch(a, 3);
            node.removePod(a);
            created.remove(a);
            awaitNotice(notices, "pod " + ns + "/followa went away");

            var b = runClient("followb");
            awaitNotice(notices, "now capturing pod " + ns + "/followb");
            fetch(b, 2);
            Thread.sleep(300);
            capture.stop();
            result = capture.await();
            stats = capture.interfaceStats();
            interfaces = capture.interfaces();
        }
        assertThat(result.reason()).isEqualTo(Capture.Reason.STOPPED);
        assertThat(interfaces).extracting(InterfaceInfo::name).containsExactly(ns + "/followa/eth0", ns + "/followb/eth0");

        // tshark reads the IDBs written after the first packets, and names each packet's interface
        var tshark = Tools.run("tshark", "-r", file.toString(), "-T", "fields", "-e", "frame.interface_name", "-e", "tcp.dstport");
        Map<String, Long> perInterface = tshark.lines().map(l -> l.split("\t")[0]).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perInterface.keySet()).containsExactlyInAnyOrder(ns + "/followa/eth0", ns + "/followb/eth0");
        assertThat(perInterface.get(ns + "/followa/eth0")).isGreaterThanOrEqualTo(3 * 8); // 3 HTTP exchanges
        assertThat(perInterface.get(ns + "/followb/eth0")).isGreaterThanOrEqualTo(2 * 8);
        Tools.assertWiresharkReadsCleanly(file);

        // one statistics block per interface, the added ones too, with what each one captured
        var read = Tools.readPcapng(file);
        assertThat(read.interfaceNames()).containsExactly(ns + "/followa/eth0", ns + "/followb/eth0");
        assertThat(read.statistics()).isEqualTo(2);
        assertThat(read.delivered()).containsExactly(perInterface.get(ns + "/followa/eth0"), perInterface.get(ns + "/followb/eth0"));
        assertThat(stats).extracting(CaptureStats::captured).containsExactlyElementsOf(read.delivered());
        assertThat(stats).allSatisfy(s -> assertThat(s.received()).isGreaterThanOrEqualTo(s.captured()));
        assertThat(result.stats().captured()).isEqualTo(read.packets().size());
    }

    private static TestNode.Pod runClient(String name) {
        var pod = node.runPod(new TestNode.PodSpec(ns, name, "main", List.of("/bin/sleep", "3600"), Map.of("app", "followtest")));
        created.add(pod);
        return pod;
    }

    private static void fetch(TestNode.Pod client, int times) {
        for (int i = 0; i < times; i++) {
            var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/passwd");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
    }

    static void awaitNotice(List<String> notices, String expected) throws InterruptedException {
        long until = System.nanoTime() + 15_000_000_000L;
        while (!notices.contains(expected) && System.nanoTime() < until) Thread.sleep(50);
        assertThat(notices).contains(expected);
    }
}
