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

    /** What kubelet does in a crash loop: the container dies, a new one (attempt 1) starts in the same pod sandbox. */
    @Test
    void aPodWhoseContainerIsRestartedIsCapturedAgainThroughTheNewOne() throws Exception {
        var pod = node.runPod(new TestNode.PodSpec(ns, "followr", "main", List.of("/bin/sleep", "3600"), Map.of("app", "followrestart")));
        created.add(pod);
        var file = dir.resolve("restarted.pcapng");
        var notices = new CopyOnWriteArrayList<String>();
        List<InterfaceInfo> interfaces;
        try (var follower = PodFollower.open(options, new PodTargetResolver.PodQuery(ns, List.of(), null, "app=followrestart", false));
             var capture = Capture.startOpen(CaptureOptions.defaults().withFilter("tcp port 8080"), PcapngOutput.toFile(file, PcapngOutput.Rotation.NONE))) {
            follower.start(capture, notices::add);
            assertThat(notices).isEmpty(); // the pod running at the start is captured without a word (the CLI lists its interfaces)
            assertThat(capture.interfaces()).extracting(InterfaceInfo::name).containsExactly(ns + "/followr/eth0");
            fetch(pod, 1);
            Tools.run("kill", "-9", String.valueOf(node.pid(pod.containerId())));
            awaitNotice(notices, "pod " + ns + "/followr went away"); // no container of it runs: nothing to capture through
            var restarted = restart(pod);
            awaitNotice(notices, "now capturing pod " + ns + "/followr");
            var r = node.exec(restarted, "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/passwd");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            Thread.sleep(300);
            capture.stop();
            capture.await();
            interfaces = capture.interfaces();
        }
        assertThat(interfaces).extracting(InterfaceInfo::name).containsExactly(ns + "/followr/eth0", ns + "/followr/eth0");
        var perInterface = Tools.readPcapng(file).packets().stream().collect(Collectors.groupingBy(Tools.Packet::iface, Collectors.counting()));
        assertThat(perInterface.get(0)).isGreaterThanOrEqualTo(8);
        assertThat(perInterface.get(1)).as("packets through the restarted container").isGreaterThanOrEqualTo(8);
        Tools.assertWiresharkReadsCleanly(file);
    }

    /** A new container in the pod's sandbox, as kubelet makes one after the first exited; returns its ID. */
    private static String restart(TestNode.Pod pod) {
        var labels = Map.of("io.kubernetes.pod.name", pod.name(), "io.kubernetes.pod.namespace", pod.namespace(),
                "io.kubernetes.pod.uid", pod.uid(), "io.kubernetes.container.name", pod.container());
        var sandbox = dev.kscope.cri.v1.PodSandboxConfig.newBuilder()
                .setMetadata(dev.kscope.cri.v1.PodSandboxMetadata.newBuilder().setName(pod.name()).setNamespace(pod.namespace()).setUid(pod.uid()))
                .setLogDirectory(node.home().resolve("logs/pods/" + pod.namespace() + "_" + pod.name() + "_" + pod.uid()).toString())
                .setDnsConfig(dev.kscope.cri.v1.DNSConfig.newBuilder().addServers("127.0.0.1"))
                .setLinux(dev.kscope.cri.v1.LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/pod" + pod.uid()))
                .build();
        var config = dev.kscope.cri.v1.ContainerConfig.newBuilder()
                .setMetadata(dev.kscope.cri.v1.ContainerMetadata.newBuilder().setName(pod.container()).setAttempt(1))
                .setImage(dev.kscope.cri.v1.ImageSpec.newBuilder().setImage(TestNode.IMAGE))
                .addAllCommand(List.of("/bin/sleep", "3600"))
                .setLogPath(pod.container() + "/1.log")
                .putAllLabels(labels)
                .setLinux(dev.kscope.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(dev.kscope.cri.v1.LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(dev.kscope.cri.v1.NamespaceOption.newBuilder().setPid(1))))
                .build();
        var id = node.cri().createContainer(dev.kscope.cri.v1.CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod.sandboxId()).setConfig(config).setSandboxConfig(sandbox).build()).getContainerId();
        node.cri().startContainer(dev.kscope.cri.v1.StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
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
