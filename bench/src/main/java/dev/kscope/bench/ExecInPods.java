package dev.kscope.bench;

import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerCollectionOptions;
import dev.kscope.containers.ContainerScope;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.containers.runtime.RuntimeEndpoint;
import dev.kscope.containers.runtime.RuntimeKind;
import dev.kscope.core.gadget.GadgetOptions;
import dev.kscope.gadgets.trace.exec.TraceExec;
import dev.kscope.testnode.TestNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 4's benchmarks on the real node, driving the library in this JVM:
 * <ol>
 *   <li>an exec storm inside a pod, traced without and with container enrichment: delivered, lost, and the CPU
 *       of kscope's own threads per event;</li>
 *   <li>an exec storm on the host while tracing only a quiet pod: kscope's CPU (the kernel filter drops the storm).</li>
 * </ol>
 * Usage: bench/containers/exec-in-pods.sh [SECONDS]   (needs root; builds a static exec-storm generator)
 */
public final class ExecInPods {
    record Result(String name, long execs, long delivered, long lost, double kscopeCpuMs) {
        double usPerEvent() {
            return delivered == 0 ? 0 : kscopeCpuMs * 1000 / delivered;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        var generator = Path.of(args.length > 1 ? args[1] : "/tmp/ksb/execstorm");
        var node = TestNode.shared();
        var storm = node.runPod(TestNode.PodSpec.of("bench", "storm", "main", "/bin/sleep", "3600")
                .withMount(generator.getParent().toString(), "/bench"));
        var quiet = node.runPod("bench", "quiet", "main", "/bin/sleep", "3600");
        try {
            // one unreported run first, so that no row pays for the JIT's warm-up alone
            measure("warm-up", node, ContainerSelector.all(), () -> podStorm(node, storm, Math.min(seconds, 3)));
            var rows = List.of(
                    measure("storm in a pod, no enrichment", node, null, () -> podStorm(node, storm, seconds)),
                    measure("storm in a pod, enrichment on", node, ContainerSelector.all(), () -> podStorm(node, storm, seconds)),
                    measure("storm in a pod, -p storm (kernel filter)", node, ContainerSelector.pod("bench", "storm"), () -> podStorm(node, storm, seconds)),
                    measure("storm on the host, -p quiet (kernel filter)", node, ContainerSelector.pod("bench", "quiet"), () -> hostStorm(generator, seconds)));
            System.out.println("| run | execs | delivered | lost | kscope CPU ms | µs/event |");
            System.out.println("|---|---|---|---|---|---|");
            for (var r : rows) {
                System.out.printf("| %s | %d | %d | %d | %.0f | %.1f |%n", r.name(), r.execs(), r.delivered(), r.lost(), r.kscopeCpuMs(), r.usPerEvent());
            }
            double plain = rows.get(0).usPerEvent(), enriched = rows.get(1).usPerEvent();
            System.out.printf("%nenrichment cost: %.2fx the CPU per event of un-enriched tracing%n", enriched / plain);
            System.out.printf("host storm while filtering on a quiet pod: kscope used %.0f ms of CPU in %.0f s (%.2f%% of a core)%n",
                    rows.get(3).kscopeCpuMs(), seconds, rows.get(3).kscopeCpuMs() / (seconds * 10));
        } finally {
            node.removePod(storm);
            node.removePod(quiet);
        }
    }

    interface Storm {
        long run() throws Exception;
    }

    static long podStorm(TestNode node, TestNode.Pod pod, double seconds) {
        var r = node.exec(pod.containerId(), Duration.ofSeconds((long) seconds + 30), "/bench/execstorm", "1", Double.toString(seconds));
        return Long.parseLong(r.stdout().trim());
    }

    static long hostStorm(Path generator, double seconds) throws IOException, InterruptedException {
        var p = new ProcessBuilder(generator.toString(), "1", Double.toString(seconds)).start();
        var out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return Long.parseLong(out);
    }

    static Result measure(String name, TestNode node, ContainerSelector selector, Storm storm) throws Exception {
        var delivered = new AtomicLong();
        try (var collection = ContainerCollection.start(ContainerCollectionOptions.defaults()
                .withRuntimes(List.of(new RuntimeEndpoint(RuntimeKind.CONTAINERD, node.criSocket())))
                .withKubernetes(ContainerCollectionOptions.KubernetesMode.OFF, null))) {
            var scope = selector == null ? null : new ContainerScope(collection, selector);
            var options = scope == null ? GadgetOptions.defaults() : scope.apply(GadgetOptions.defaults());
            try (var exec = new TraceExec(options)) {
                exec.onEvent(e -> {
                    if (e.args().size() > 1 && e.args().get(1).equals("kscope-bench")) delivered.incrementAndGet();
                });
                exec.start();
                if (scope != null) scope.follow(exec);
                Thread.sleep(500);
                long cpu0 = kscopeThreadsCpuMs();
                long execs = storm.run();
                Thread.sleep(500);
                long cpu1 = kscopeThreadsCpuMs();
                exec.stop();
                if (scope != null) scope.unfollow();
                return new Result(name, execs, delivered.get(), exec.lostEvents(), cpu1 - cpu0);
            }
        }
    }

    /** CPU time of kscope's threads (the gadget's poll thread, the container collection's) and the JIT's. */
    static long kscopeThreadsCpuMs() throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (var t : tasks.toList()) {
                var comm = Files.readString(t.resolve("comm")).trim();
                if (!comm.startsWith("kscope") && !comm.contains("Compil")) continue;
                var stat = Files.readString(t.resolve("stat"));
                var f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        }
        return ticks * 10;
    }
}
