package dev.kscope.containers;

import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.cri.v1.ContainerFilter;
import dev.kscope.cri.v1.ContainerStateValue;
import dev.kscope.cri.v1.ListContainersRequest;
import dev.kscope.testnode.TestNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Container start-to-known latency: from CRI StartContainer returning to the collection's listener firing, against
 * the baseline a tool gets from polling CRI ListContainers every second (kubelet's PLEG relist period). Negative
 * means known before StartContainer returned. Run by bench/containers/start-latency.sh; off in normal test runs.
 */
@Tag("root")
@EnabledIfSystemProperty(named = "kscope.bench", matches = "true")
class StartLatencyBenchmark {
    @Test
    void startToKnownLatency() throws Exception {
        int n = Integer.getInteger("kscope.bench.pods", 20);
        var node = TestNode.shared();
        var kscopeSeen = new ConcurrentHashMap<String, Long>();
        var pollSeen = new ConcurrentHashMap<String, Long>();
        var poller = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    var now = System.nanoTime();
                    for (var c : node.cri().listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                            .setState(ContainerStateValue.newBuilder().setState(1))).build()).getContainersList()) {
                        pollSeen.putIfAbsent(c.getId(), now);
                    }
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // keep polling
                }
            }
        });
        var kscope = new ArrayList<Double>();
        double idleCpuPercent;
        var poll = new ArrayList<Double>();
        try (var collection = ContainerCollection.start(ContainerCollectionOptions.defaults()
                .withRuntimes(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket()))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null))) {
            collection.addListener(new ContainerListener() {
                public void added(Container c) {
                    kscopeSeen.putIfAbsent(c.id(), System.nanoTime());
                }

                public void removed(Container c) {
                }
            });
            var pods = new ArrayList<TestNode.Pod>();
            try {
                for (int i = 0; i < n; i++) {
                    var pod = node.runPod("containers-bench", "lat-" + i, "main", "sleep", "3600");
                    pods.add(pod);
                    var deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    while ((!kscopeSeen.containsKey(pod.containerId()) || !pollSeen.containsKey(pod.containerId())) && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    kscope.add(ms(kscopeSeen.get(pod.containerId()), pod.startReturnedNanos()));
                    poll.add(ms(pollSeen.get(pod.containerId()), pod.startReturnedNanos()));
                }
                poller.interrupt();
                // idle cost with the pods running: resync every 2 s plus the cgroup watch (the JVM's own idle threads included)
                var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                var cpu0 = os.getProcessCpuTime();
                var t0 = System.nanoTime();
                Thread.sleep(10_000);
                idleCpuPercent = 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
            } finally {
                poller.interrupt();
                for (var pod : pods) node.removePod(pod);
            }
        }
        var report = """
                container start-to-known latency, %d pods started one after another over CRI (containerd %s)
                ms after StartContainer returned   p50       p90       max
                kscope (cgroup inotify + CRI)      %-9s %-9s %s
                CRI ListContainers poll every 1 s  %-9s %-9s %s
                ratio of medians (poll / kscope): %s
                idle CPU of the whole test JVM following %d running containers for 10 s: %.2f %% of one core
                """.formatted(n, node.criSocket(), p(kscope, 50), p(kscope, 90), p(kscope, 100), p(poll, 50), p(poll, 90), p(poll, 100),
                ratio(poll, kscope), n, idleCpuPercent);
        System.out.println(report);
    }

    private static double ms(Long seen, long started) {
        return seen == null ? Double.NaN : (seen - started) / 1e6;
    }

    private static String p(List<Double> values, int percentile) {
        var v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        var x = v[Math.min(v.length - 1, (int) Math.ceil(percentile / 100.0 * v.length) - 1)];
        return String.format("%.1f", x);
    }

    private static String ratio(List<Double> a, List<Double> b) {
        var ma = Double.parseDouble(p(a, 50));
        var mb = Double.parseDouble(p(b, 50));
        return mb <= 0 ? "kscope knows the container before StartContainer returns (median " + mb + " ms); poll median " + ma + " ms"
                : String.format("%.1fx", ma / mb);
    }
}
