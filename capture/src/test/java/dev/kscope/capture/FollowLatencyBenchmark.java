package dev.kscope.capture;

import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How soon a pod that starts is captured, and whether the request its entrypoint sends right away is in the file:
 * kscope capture -l (following) against tcpdump -i any on the host, which sees the pod's host-side veth the moment
 * it exists. Run by bench/follow/run.sh; off in normal test runs.
 */
@Tag("root")
@EnabledIfSystemProperty(named = "kscope.bench", matches = "true")
class FollowLatencyBenchmark {

    @Test
    void podStartToCapture() throws Exception {
        int n = Integer.getInteger("kscope.bench.pods", 5);
        var node = TestNode.shared();
        var ns = "follow-bench-" + UUID.randomUUID().toString().substring(0, 6);
        var dir = Files.createTempDirectory("follow-bench");
        var pods = new ArrayList<TestNode.Pod>();
        var ours = dir.resolve("kscope.pcapng");
        var theirs = dir.resolve("tcpdump.pcap");
        var noticed = new ConcurrentHashMap<String, Long>();
        var options = ContainerCollectionOptions.defaults()
                .withRuntimes(List.of(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket())))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null);
        var tcpdump = Tools.Tcpdump.inNetnsOf(ProcessHandle.current().pid(), "any", theirs, "tcp port 8080"); // the host's namespace, as this JVM
        TestNode.Pod web = null;
        try (var follower = PodFollower.open(options, new PodTargetResolver.PodQuery(ns, List.of(), null, "app=followbench", false));
             var capture = Capture.startOpen(CaptureOptions.defaults().withFilter("tcp port 8080"), PcapngOutput.toFile(ours, PcapngOutput.Rotation.NONE))) {
            web = node.runPod(new TestNode.PodSpec(ns, "followweb", "httpd", List.of("httpd", "-f", "-p", "8080", "-h", "/etc"), Map.of("app", "followweb")));
            follower.start(capture, line -> {
                if (line.startsWith("now capturing pod ")) noticed.put(line.substring(line.lastIndexOf('/') + 1), System.nanoTime());
            });
            for (int i = 0; i < n; i++) {
                // the entrypoint's first request goes out as soon as the container runs; the second one a second later
                var pod = node.runPod(new TestNode.PodSpec(ns, "followbench" + i, "main", List.of("/bin/sh", "-c",
                        "wget -q -O /dev/null http://" + web.ip() + ":8080/passwd; sleep 1; wget -q -O /dev/null http://" + web.ip()
                                + ":8080/group; sleep 3600"), Map.of("app", "followbench")));
                pods.add(pod);
                Thread.sleep(1500);
            }
            Thread.sleep(500);
            capture.stop();
            capture.await();
        } finally {
            tcpdump.stop();
            pods.forEach(node::removePod);
            if (web != null) node.removePod(web);
        }
        try {
            report(n, pods, noticed, ours.toString(), theirs.toString());
        } finally {
            Tools.run("rm", "-rf", dir.toString());
        }
    }

    private static void report(int n, List<TestNode.Pod> pods, Map<String, Long> noticed, String ours, String theirs) throws Exception {
        var latencies = new ArrayList<Double>();
        int oursFirst = 0, oursSecond = 0, theirsFirst = 0, theirsSecond = 0;
        var oursRequests = requests(ours);
        var theirsRequests = requests(theirs);
        for (var pod : pods) {
            var at = noticed.get(pod.name());
            if (at != null) latencies.add((at - pod.startReturnedNanos()) / 1e6);
            if (oursRequests.contains(pod.ip() + " /passwd")) oursFirst++;
            if (oursRequests.contains(pod.ip() + " /group")) oursSecond++;
            if (theirsRequests.contains(pod.ip() + " /passwd")) theirsFirst++;
            if (theirsRequests.contains(pod.ip() + " /group")) theirsSecond++;
        }
        latencies.sort(null);
        System.out.printf("pod start-to-capture (CRI StartContainer returned -> rings open in the pod), %d pods: median %.0f ms, max %.0f ms%n",
                n, latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() / 2), latencies.isEmpty() ? Double.NaN : latencies.getLast());
        System.out.printf("request sent by the entrypoint at start: kscope capture -l %d/%d, tcpdump -i any (host) %d/%d%n", oursFirst, n, theirsFirst, n);
        System.out.printf("request sent 1 s after start:            kscope capture -l %d/%d, tcpdump -i any (host) %d/%d%n", oursSecond, n, theirsSecond, n);
        System.out.println("load average: " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip());
    }

    /** "SRC_IP PATH" of every HTTP request in a capture. */
    private static java.util.Set<String> requests(String file) {
        return Tools.run("tshark", "-r", file, "-Y", "http.request", "-T", "fields", "-e", "ip.src", "-e", "http.request.uri")
                .lines().map(l -> l.replace('\t', ' ')).collect(java.util.stream.Collectors.toSet());
    }
}
