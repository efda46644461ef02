package dev.kscope.cli;

import dev.kscope.capture.Capture;
import dev.kscope.capture.CaptureOptions;
import dev.kscope.capture.CaptureStats;
import dev.kscope.capture.CaptureTarget;
import dev.kscope.capture.InterfaceInfo;
import dev.kscope.capture.PacketFilter;
import dev.kscope.capture.PcapngOutput;
import dev.kscope.core.KscopeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(name = "capture",
        mixinStandardHelpOptions = true,
        description = {
                "Capture packets of pods, network namespaces or host interfaces into a pcapng file (or stdout), "
                        + "with a tcpdump filter applied in the kernel. Nothing is installed in the pod.",
                "Statistics go to stderr at the end and on SIGUSR1 (kill -USR1 PID)."},
        footer = {"",
                "Examples:",
                "  kscope capture -n shop -p web -w web.pcapng                 all packets of pod shop/web",
                "  kscope capture -p web -w - | wireshark -k -i -              live in Wireshark",
                "  kscope capture -p web -p db 'tcp port 5432' -w db.pcapng    two pods, one file, one interface each",
                "  kscope capture -l app=web -c 1000 -w web.pcapng             pods by label, stop after 1000 packets",
                "  kscope capture -n shop -l app=web --no-follow -w web.pcapng only the web pods running now",
                "  kscope capture -i eth0 -s 128 --duration 30s -w hdr.pcapng  host interface, headers only, 30 s",
                "  kscope capture --netns /run/netns/blue -w blue.pcapng       every interface of a network namespace",
                "  kscope capture -i any -w all.pcapng                         every host interface, loopback too",
                "  kscope capture --pid 4242 'udp port 53' -w dns.pcapng       the namespace of process 4242",
                "  kscope capture -i eth0 -C 100 -W 5 -w ring.pcapng           ring of 5 files of 100 MB",
                "  kscope capture -i eth0 -G 3600 -w 'cap-%%Y%%m%%d-%%H.pcapng'    one file per hour",
                "  kscope capture -d 'tcp[tcpflags] & tcp-syn != 0'            show the compiled BPF program",
                "",
                "Pods are followed: a pod that starts later and matches -l/-n/-A is captured too (new interfaces in the",
                "running file; stderr says 'kscope: now capturing pod NS/NAME'), one that goes away ends alone and the",
                "capture waits for the next; a -p pod created again under its name is captured again. --no-follow: only",
                "the pods running at the start, ending when they are all gone.",
                "-c N (a number) stops after N packets as in tcpdump; -c NAME picks a container as in kubectl.",
                "Filters use tcpdump's syntax (man 7 pcap-filter)."})
public final class CaptureCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILTER", arity = "0..*", description = "tcpdump filter expression, e.g. 'tcp port 80 and host 10.0.0.5'")
    List<String> filterWords = new ArrayList<>();

    @Option(names = "-w", paramLabel = "FILE", description = "pcapng file to write, '-' for stdout")
    String file;

    @Option(names = "-i", paramLabel = "IFACE", description = "interface (repeatable), 'any' for all of them, loopback too; on the host, or inside --netns/--pid")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--netns", paramLabel = "PATH", description = "network namespace file, e.g. /run/netns/blue or /proc/PID/ns/net (repeatable)")
    List<String> netns = new ArrayList<>();

    @Option(names = "--pid", paramLabel = "PID", description = "capture in the network namespace of this process (repeatable)")
    List<Integer> pids = new ArrayList<>();

    @picocli.CommandLine.Mixin
    PodTargetFlags podFlags = new PodTargetFlags();

    @Option(names = "-c", paramLabel = "N|CONTAINER", description = "a number: stop after N packets; a name: the pod's container")
    String countOrContainer;

    @Option(names = "--count", paramLabel = "N", description = "stop after N packets")
    Long count;

    @Option(names = "--container", paramLabel = "CONTAINER", description = "the pod's container whose namespace to enter")
    String container;


    @Option(names = "-s", paramLabel = "SNAPLEN", description = "bytes kept of each packet (default 262144; 0 means the default)")
    int snaplen = CaptureOptions.DEFAULT_SNAPLEN;

    @Option(names = "--duration", paramLabel = "TIME", description = "stop after this long: 30s, 5m, 1h, 500ms, or seconds")
    String duration;

    @Option(names = "-C", paramLabel = "MB", description = "start a new file when the current one exceeds MB million bytes")
    Double fileSizeMb;

    @Option(names = "-G", paramLabel = "SECONDS", description = "start a new file every SECONDS; a '%%' in the name is a strftime pattern")
    Long rotateSeconds;

    @Option(names = "-W", paramLabel = "FILES", description = "with -C: keep a ring of FILES files; with -G alone: stop after FILES files")
    Integer fileCount;

    @Option(names = "-B", paramLabel = "KiB", description = "packet ring per interface in KiB (default: 131072 for one interface, 262144 shared by several, at least 8192 each; tcpdump's is 2048)")
    Long bufferKib;

    @Option(names = "--no-promiscuous-mode", description = "do not put the interfaces in promiscuous mode")
    boolean noPromiscuous;

    @Option(names = "-d", description = "print the compiled filter program (tcpdump -dd format) and exit")
    boolean dumpFilter;

    @Option(names = "--debug", hidden = true)
    boolean debug;

    @Override
    public Integer call() throws Exception {
        var filter = String.join(" ", filterWords);
        if (snaplen < 0 || snaplen > CaptureOptions.DEFAULT_SNAPLEN) {
            throw new KscopeException("invalid -s " + snaplen + ": the snap length must be between 1 and 262144 (0 for the default)");
        }
        if (dumpFilter) {
            System.out.print(PacketFilter.compile(filter, PacketFilter.DLT_EN10MB, snaplen).dump());
            return 0;
        }
        var options = options(filter);
        var fixed = fixedTargets();
        if (file == null) {
            throw new KscopeException("no output: give -w FILE.pcapng, or -w - to stream to stdout (e.g. | wireshark -k -i -)");
        }
        var output = file.equals("-")
                ? PcapngOutput.toStdout()
                : PcapngOutput.toFile(Path.of(file), rotation());
        try (var started = podFlags.start(podContainer(), fixed, options, output)) {
            return run(started.capture());
        }
    }

    private int run(Capture capture) throws Exception {
        for (var i : capture.interfaces()) {
            System.err.println("capturing on " + i.name() + ", link-type " + (i.linkType() == InterfaceInfo.LINKTYPE_ETHERNET ? "EN10MB (Ethernet)" : "RAW (raw IP)")
                    + ", snapshot length " + i.snaplen() + " bytes");
        }
        var reported = new AtomicBoolean();
        var hook = new Thread(() -> {
            capture.stop();
            try {
                report(capture, capture.await(), reported);
            } catch (InterruptedException ignored) {
                // the JVM is going down anyway
            }
        }, "kscope-capture-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        var usr1 = Signals.handle("USR1", () -> System.err.println(statistics(capture, capture.interfaceStats())));
        var int_ = Signals.interruptExits();
        Capture.Result result;
        try {
            result = capture.await();
        } finally {
            Signals.restore("USR1", usr1);
            Signals.restore("INT", int_);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            hook.join(); // Ctrl-C: the hook reports
            return 130;
        }
        report(capture, result, reported);
        if (result.message() == null) return 0;
        if (result.reason() == Capture.Reason.OUTPUT_FAILED && result.message().contains("broken pipe")) {
            System.err.println("kscope: " + result.message());
            return 0;
        }
        throw new KscopeException(result.message());
    }

    private static void report(Capture capture, Capture.Result result, AtomicBoolean reported) {
        if (reported.compareAndSet(false, true)) System.err.println(statistics(capture, capture.interfaceStats()));
    }

    static String statistics(Capture capture, List<CaptureStats> perInterface) {
        var s = new StringBuilder();
        var interfaces = capture.interfaces();
        if (interfaces.size() > 1) {
            for (int i = 0; i < interfaces.size() && i < perInterface.size(); i++) {
                var st = perInterface.get(i);
                s.append(interfaces.get(i).name()).append(": ").append(st.captured()).append(" captured, ").append(st.received())
                        .append(" received by filter, ").append(st.droppedByKernel()).append(" dropped by kernel, ")
                        .append(st.droppedByInterface()).append(" dropped by interface\n");
            }
        }
        return s.append(perInterface.stream().reduce(CaptureStats.ZERO, CaptureStats::plus).report()).toString();
    }

    private CaptureOptions options(String filter) {
        // compiled here too, so a bad filter fails before anything is opened
        PacketFilter.compile(filter, PacketFilter.DLT_EN10MB, snaplen == 0 ? CaptureOptions.DEFAULT_SNAPLEN : snaplen);
        long limit = count != null ? count : 0;
        if (countOrContainer != null && countOrContainer.matches("\\d+")) limit = Long.parseLong(countOrContainer);
        if (limit < 0) throw new KscopeException("invalid packet count " + limit + ": give a positive number");
        if (bufferKib != null && (bufferKib < 64 || bufferKib > 4L << 20)) {
            throw new KscopeException("invalid -B " + bufferKib + ": the buffer must be between 64 KiB and 4 GiB");
        }
        return new CaptureOptions(filter, snaplen, bufferKib == null ? 0 : bufferKib * 1024, limit, parseDuration(duration), !noPromiscuous);
    }

    private PcapngOutput.Rotation rotation() {
        long bytes = 0;
        if (fileSizeMb != null) {
            if (fileSizeMb <= 0) throw new KscopeException("invalid -C " + fileSizeMb + ": give a file size in MB greater than 0");
            bytes = (long) (fileSizeMb * 1_000_000);
        }
        if (rotateSeconds != null && rotateSeconds <= 0) throw new KscopeException("invalid -G " + rotateSeconds + ": give a number of seconds greater than 0");
        if (fileCount != null && fileCount <= 0) throw new KscopeException("invalid -W " + fileCount + ": give a number of files greater than 0");
        if (fileCount != null && fileSizeMb == null && rotateSeconds == null) {
            throw new KscopeException("-W needs -C or -G (e.g. -C 100 -W 5 for a ring of five 100 MB files)");
        }
        return new PcapngOutput.Rotation(bytes, rotateSeconds == null ? 0 : rotateSeconds, fileCount == null ? 0 : fileCount);
    }

    private String podContainer() {
        return container != null ? container
                : countOrContainer != null && !countOrContainer.matches("\\d+") ? countOrContainer : null;
    }

    /** The targets other than pods: network namespaces, processes' namespaces, host interfaces. */
    private List<CaptureTarget> fixedTargets() {
        var result = new ArrayList<CaptureTarget>();
        var podContainer = podContainer();
        if (!podFlags.any() && podContainer != null) {
            throw new KscopeException("-c " + podContainer + " names a container, but no pod was given (add -p POD, or give -c a number of packets)");
        }
        for (var p : netns) result.add(CaptureTarget.netns(p, interfaces));
        for (var pid : pids) {
            if (!java.nio.file.Files.exists(Path.of("/proc/" + pid))) {
                throw new KscopeException("no process " + pid + " (give the PID of a running process, e.g. from 'pgrep nginx')");
            }
            result.add(CaptureTarget.netns("/proc/" + pid + "/ns/net", interfaces));
        }
        if (result.isEmpty() && !interfaces.isEmpty() && !podFlags.any()) result.add(CaptureTarget.host(interfaces));
        if (result.isEmpty() && !podFlags.any()) {
            throw new KscopeException("nothing to capture (give -p POD, -l SELECTOR, -i IFACE, --netns PATH or --pid PID)");
        }
        return result;
    }

    static Duration parseDuration(String s) {
        if (s == null) return null;
        var d = dev.kscope.core.Units.duration(s, "--duration");
        if (d.isZero()) throw new KscopeException("invalid --duration " + s + ": give a time greater than 0", null, 2);
        return d;
    }
}
