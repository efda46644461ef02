package dev.kscope.capture;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.core.KscopeException;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Capturing a real pod, found through the container collection, against tcpdump in the same network namespace. */
@Tag("root")
class PodCaptureTest {
    static TestNode node;
    static String ns;
    static TestNode.Pod web, client;
    static Path dir;
    static ContainerPodTargets pods;

    @BeforeAll
    static void pods() throws Exception {
        node = TestNode.shared();
        ns = "capture-" + UUID.randomUUID().toString().substring(0, 8);
        web = node.runPod(ns, "web", "httpd", "httpd", "-f", "-p", "8080", "-h", "/etc");
        client = node.runPod(ns, "client", "main", "/bin/sleep", "3600");
        dir = Files.createTempDirectory("cap2-pods");
        pods = new ContainerPodTargets(ContainerCollectionOptions.defaults()
                .withRuntimes(List.of(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket())))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null));
    }

    @AfterAll
    static void cleanup() {
        if (web != null) node.removePod(web);
        if (client != null) node.removePod(client);
        Tools.run("rm", "-rf", dir.toString());
    }

    @Test
    void capturesThePodsPacketsExactlyAsTcpdumpInItsNamespace() throws Exception {
        var targets = pods.resolve(new PodTargetResolver.PodQuery(ns, List.of("web"), null, null, false));
        assertThat(targets).singleElement().satisfies(t -> {
            assertThat(t.pod()).isEqualTo("web");
            assertThat(t.namespace()).isEqualTo(ns);
            assertThat(t.podIp()).isEqualTo(web.ip());
        });
        var oursFile = dir.resolve("web.pcapng");
        var theirsFile = dir.resolve("web.pcap");
        // the pod's own background traffic (IPv6 neighbour discovery) would differ in what each socket saw first:
        // both compare the HTTP traffic, through the same filter
        var tcpdump = Tools.Tcpdump.inNetnsOf(node.pid(web.containerId()), "eth0", theirsFile, "tcp port 8080");
        Capture.Result result;
        long tcpdumpDrops;
        try (var capture = Capture.start(targets, CaptureOptions.defaults().withFilter("tcp port 8080"), PcapngOutput.toFile(oursFile, PcapngOutput.Rotation.NONE))) {
            for (int i = 0; i < 5; i++) {
                var r = node.exec(client.containerId(), "wget", "-q", "-O", "/dev/null", "http://" + web.ip() + ":8080/passwd");
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            Thread.sleep(300);
            tcpdumpDrops = tcpdump.stop();
            capture.stop();
            result = capture.await();
        }
        var ours = Tools.readPcapng(oursFile);
        var theirs = Tools.readPcap(theirsFile);
        assertThat(ours.interfaceNames()).containsExactly(ns + "/web/eth0");
        assertThat(theirs).hasSizeGreaterThanOrEqualTo(5 * 8); // 5 HTTP exchanges: handshake, request, response, close
        if (tcpdumpDrops == 0) assertThat(ours.packets()).containsExactlyElementsOf(theirs);
        else assertThat(ours.packets()).containsSubsequence(theirs);
        assertThat(result.stats().droppedByKernel()).isZero();
        Tools.assertWiresharkReadsCleanly(oursFile);
    }

    @Test
    void podsThatAreNotHereAreOneLineErrors() {
        assertThatThrownBy(() -> pods.resolve(new PodTargetResolver.PodQuery(ns, List.of("nope"), null, null, false)))
                .isInstanceOf(KscopeException.class).hasMessageStartingWith("pod nope in namespace " + ns + " is not running on this node");
        assertThatThrownBy(() -> pods.resolve(new PodTargetResolver.PodQuery("elsewhere", List.of("web"), null, null, false)))
                .hasMessage("pod web is not in namespace elsewhere but in " + ns + " (use -n " + ns + ")");
        assertThatThrownBy(() -> pods.resolve(new PodTargetResolver.PodQuery(ns, List.of("web"), "sidecar", null, false)))
                .hasMessage("pod web has no container named sidecar (kscope ps -p web lists them)");
        assertThatThrownBy(() -> pods.resolve(new PodTargetResolver.PodQuery(ns, List.of(), null, "app=none", false)))
                .hasMessageStartingWith("no pod on this node matches -l app=none in namespace " + ns);
    }
}
