package dev.kscope.bench;

import dev.kscope.testnode.TestNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Issue 6's live goal on the real node: HTTP/1.1 at a fixed rate between two pods (a static C server and load
 * client mounted into busybox pods), analyzed live by {@code kscope traffic -p web -o json --db} in a JVM of its
 * own, then, in the same run and under the same load, captured by tshark in the server pod's netns. For each tool:
 * messages seen vs responses the client received, drops, peak RSS, CPU; for kscope also the peak used heap (GC log).
 * <p>Usage: bench/traffic/live.sh [RATE] [SECONDS] [CONNECTIONS]
 */
public final class LiveTraffic {
    private static final int PORT = 24080;

    record Load(long sent, long received, double seconds) {
        static Load parse(String out) {
            var m = Pattern.compile("sent (\\d+) received (\\d+) seconds ([0-9.]+)").matcher(out);
            if (!m.find()) throw new IllegalStateException("load client said: " + out);
            return new Load(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)));
        }
    }

    record Run(String tool, Load load, long messages, long attributed, long drops, long rssKb, double cpuSeconds,
               double peakHeapMb, String note) {
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        int conns = Integer.parseInt(args[2]);
        var dir = Path.of(args[3]);        // holds livehttpd, liveload; the runs' files go here too
        var launcher = args[4];            // kscope's launcher script, with its JVM flags for traffic

        var node = TestNode.shared();
        var ns = "live-bench";
        var web = node.runPod(TestNode.PodSpec.of(ns, "web", "httpd", "/bench/livehttpd", Integer.toString(PORT))
                .withMount(dir.toString(), "/bench"));
        var load = node.runPod(TestNode.PodSpec.of(ns, "load", "main", "/bin/sleep", "3600").withMount(dir.toString(), "/bench"));
        try {
            int webPid = node.pid(web.containerId());
            Runnable warmUp = () -> runLoad(node, load, web, conns, Math.min(rate, 2000), 2);
            var runs = new ArrayList<Run>();

            var db = dir.resolve("live.duckdb");
            Files.deleteIfExists(db);
            deleteTree(dir.resolve("live.duckdb.packets"));
                var kscope = List.of("/usr/bin/time", "-f", "%M %U %S", "-o", dir.resolve("kscope.time").toString(),
                    launcher, "traffic", "-n", ns, "-p", "web", "-o", "json", "--db", db.toString(),
                    "--containerd-socket", node.criSocket().toString());
            runs.add(measure("kscope", kscope, "capturing", dir, node, load, web, conns, rate, seconds, warmUp, "TERM"));

            var tshark = List.of("/usr/bin/time", "-f", "%M %U %S", "-o", dir.resolve("tshark.time").toString(),
                    "nsenter", "-n", "-t", Integer.toString(webPid), "tshark", "-i", "eth0", "-l", "-Y", "http.response",
                    "-T", "fields", "-e", "http.response.code");
            runs.add(measure("tshark", tshark, "Capturing on", dir, node, load, web, conns, rate, seconds, warmUp, "INT"));

            System.out.printf("load: %d requests/s target over %d keep-alive connections for %.0f s, between pods %s/load and %s/web%n",
                    rate, conns, seconds, ns, ns);
            System.out.printf("load average: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
            System.out.println("| tool | requests sent | responses received | achieved req/s | messages | missed | attributed to both pods | drops | peak used heap MB (-Xmx256m) | peak RSS MB | CPU s | CPU µs/message |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (var r : runs) {
                System.out.printf("| %s | %d | %d | %.0f | %d | %d | %s | %d | %s | %.0f | %.2f | %.1f |%n", r.tool(), r.load().sent(), r.load().received(),
                        r.load().received() / r.load().seconds(), r.messages(), r.load().received() - r.messages(),
                        r.attributed() < 0 ? "n/a" : Long.toString(r.attributed()), r.drops(),
                        r.peakHeapMb() < 0 ? "n/a" : String.format("%.0f", r.peakHeapMb()), r.rssKb() / 1024.0, r.cpuSeconds(),
                        r.messages() == 0 ? 0 : r.cpuSeconds() * 1e6 / r.messages());
            }
            System.out.println("kscope CPU seconds by thread (before the final drain): " + threadCpu);
            System.out.println("kscope resident memory (before the final drain): " + rssParts);
            for (var r : runs) if (r.note() != null && !r.note().isBlank()) System.out.println(r.tool() + " said: " + r.note());
            var k = runs.get(0);
            var t = runs.get(1);
            System.out.printf("kscope: %s missed messages (%d of %d responses), peak heap %.0f MB: goal (zero missed, heap < 256 MB) %s%n",
                    k.load().received() - k.messages(), k.messages(), k.load().received(), k.peakHeapMb(),
                    k.messages() == k.load().received() && k.peakHeapMb() < 256 ? "MET" : "NOT MET");
            System.out.printf("ratio kscope/tshark: CPU per message %.2fx, peak RSS %.2fx; messages missed: kscope %d, tshark %d%n",
                    (k.cpuSeconds() / Math.max(1, k.messages())) / (t.cpuSeconds() / Math.max(1, t.messages())),
                    (double) k.rssKb() / t.rssKb(), k.load().received() - k.messages(), t.load().received() - t.messages());
        } finally {
            node.removePod(web);
            node.removePod(load);
        }
    }

    /** Starts the tool, waits for its "ready" line on stderr, warms up, runs the load, stops the tool and reads its figures. */
    static Run measure(String tool, List<String> command, String ready, Path dir, TestNode node, TestNode.Pod load, TestNode.Pod web,
                       int conns, int rate, double seconds, Runnable warmUp, String signal) throws Exception {
        var out = dir.resolve(tool + ".out");
        var err = dir.resolve(tool + ".err");
        var pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("KSCOPE_JAVA_OPTS", "-Xmx256m -Xlog:gc:file=" + dir.resolve("kscope-gc.log")); // the goal's heap bound
        var p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err).contains(ready)) {
                if (!p.isAlive() || System.nanoTime() > deadline) throw new IllegalStateException(tool + " did not start: " + Files.readString(err));
                Thread.sleep(50);
            }
            warmUp.run();
            var before = lines(out);
            Thread.sleep(1000);
            var warm = lines(out);
            var l = runLoad(node, load, web, conns, rate, seconds);
            Thread.sleep(2000); // let the tool catch up with what it already captured
            // the process under /usr/bin/time: signal the tool itself, so time still reports its rusage
            var target = p.toHandle().children().findFirst().orElse(p.toHandle());
            if (tool.equals("kscope")) {
                threadCpu = threadCpu(target.pid());
                rssParts = Files.readAllLines(Path.of("/proc/" + target.pid() + "/status")).stream()
                        .filter(s -> s.startsWith("Rss")).map(s -> s.replaceAll("\\s+", " ")).collect(java.util.stream.Collectors.joining(", "));
            }
            new ProcessBuilder("kill", "-" + signal, Long.toString(target.pid())).start().waitFor();
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException(tool + " did not stop");
            var all = Files.readAllLines(out);
            long messages = all.size() - warm.size();
            long attributed = tool.equals("kscope") ? all.subList(warm.size(), all.size()).stream()
                    .filter(s -> s.contains("\"pod\":\"load\"") && s.contains("\"pod\":\"web\"")).count() : -1;
            var time = Files.readString(dir.resolve(tool + ".time")).trim().split("\\s+");
            var text = Files.readString(err);
            long drops = tool.equals("kscope") ? number(text, "(\\d+) packets dropped") : number(text, "(\\d+) packets dropped");
            if (before.size() != warm.size()) System.err.println(tool + ": warm-up messages still arriving after 1 s");
            return new Run(tool, l, messages, attributed, drops, Long.parseLong(time[time.length - 3]),
                    Double.parseDouble(time[time.length - 2]) + Double.parseDouble(time[time.length - 1]),
                    tool.equals("kscope") ? peakHeapMb(dir.resolve("kscope-gc.log")) : -1, lastLines(text, 3));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // the tool under /usr/bin/time, and dumpcap
            p.destroyForcibly();
        }
    }

    static String threadCpu = "", rssParts = "";

    /** CPU seconds per thread name (JIT compiler threads, GC, capture, analysis, output), largest first. */
    static String threadCpu(long pid) throws IOException {
        var byName = new java.util.TreeMap<String, Double>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (var t : tasks.toList()) {
                try {
                    var stat = Files.readString(t.resolve("stat"));
                    var name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+$", "#");
                    var f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0, Double::sum);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return byName.entrySet().stream().filter(e -> e.getValue() >= 0.05).sorted(java.util.Map.Entry.comparingByValue(java.util.Comparator.reverseOrder()))
                .map(e -> e.getKey() + " " + String.format("%.2f", e.getValue())).collect(java.util.stream.Collectors.joining(", "));
    }

    static Load runLoad(TestNode node, TestNode.Pod load, TestNode.Pod web, int conns, int rate, double seconds) {
        var r = node.exec(load.containerId(), Duration.ofSeconds((long) seconds + 60), "/bench/liveload", web.ip(),
                Integer.toString(PORT), Integer.toString(conns), Integer.toString(rate), Double.toString(seconds));
        if (r.exitCode() != 0) throw new IllegalStateException("load client failed: " + r.stderr());
        return Load.parse(r.stdout());
    }

    /** The largest heap occupancy before any collection (unified GC log: "Pause Young ... 120M->30M(256M)"). */
    static double peakHeapMb(Path gcLog) throws IOException {
        var m = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(Files.readString(gcLog));
        double peak = 0;
        while (m.find()) peak = Math.max(peak, Math.max(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))));
        return peak;
    }

    static long number(String text, String regex) {
        var m = Pattern.compile(regex).matcher(text);
        long n = 0;
        while (m.find()) n += Long.parseLong(m.group(1));
        return n;
    }

    static List<String> lines(Path p) throws IOException {
        return Files.readAllLines(p);
    }

    static String lastLines(String text, int n) {
        var l = text.lines().toList();
        return String.join(" / ", l.subList(Math.max(0, l.size() - n), l.size()));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
