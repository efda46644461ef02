package dev.kscope.cli;

import dev.kscope.containers.kubernetes.ClusterAddresses;
import dev.kscope.containers.kubernetes.KubernetesClients;
import dev.kscope.core.KscopeException;
import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.history.MessageStore;
import dev.kscope.traffic.history.PacketExporter;
import dev.kscope.traffic.history.PacketSpool;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.output.AsyncSink;
import dev.kscope.traffic.output.MessagePrinter;
import dev.kscope.traffic.pcap.CaptureSource;
import dev.kscope.traffic.ui.TrafficUi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

@Command(name = "traffic",
        mixinStandardHelpOptions = true,
        subcommands = TrafficCommand.Query.class,
        description = {
                "Turn network traffic into API calls: request/response messages with latency, sizes and status.",
                "Protocols are recognized by content (any port): HTTP/1.x, HTTP/2, gRPC, DNS (UDP, TCP),",
                "Redis (RESP2/3), PostgreSQL, Kafka. Captures pods (-p/-l/-A) or interfaces (-i) on this node live,",
                "or reads pcap/pcapng files or a pipe (-r -)."},
        footer = {"",
                "Examples:",
                "  kscope traffic -n shop -p web                  (live: capture pod web on this node; history kept by default)",
                "  kscope traffic query 'http.status >= 500' --since 10m -w errors.pcapng   (search it; the calls' packets to pcapng)",
                "  kscope traffic -l app=api -o json               (live: pods by label, and those that start later)",
                "  kscope traffic -n shop -p web --no-follow      (live: only while this web pod lives)",
                "  kscope traffic -n shop -p web --db web.duckdb  (live, history in a file of its own; --no-db for none)",
                "  kscope traffic -i eth0 --filter 'http.status >= 500'",
                "  kscope traffic -r web.pcap",
                "  kscope traffic -r web.pcapng -o json | jq .http.url",
                "  kscope traffic -r web.pcap -o custom-columns=METHOD:.http.method,URI:.http.path,STATUS:.status,MS:.latency_ms",
                "  kscope traffic -r all.pcap -o custom-columns=CLIENT:.src.pod,QUERY:.dns.name,RCODE:.dns.rcode --filter 'proto == \"dns\"'",
                "  kscope traffic -r web.pcap -o columns=+src.pod,-bytes          (default columns, one more, one less)",
                "  tcpdump -i any -U -w - 'tcp port 80' | kscope traffic -r -",
                "  kscope traffic -r web.pcap --filter 'http.status >= 500'",
                "  kscope traffic -r all.pcap --filter 'dns.rcode == \"NXDOMAIN\"'",
                "  kscope traffic -r all.pcap --filter 'latency_ms > 100 && dst.port == 6379'",
                "  kscope traffic -r all.pcap --filter 'grpc.status != \"OK\" && dst.pod == \"web\"'",
                "  kscope traffic -r all.pcap --filter 'dst.service == \"orders\" && src.namespace == \"shop\"' -o wide",
                "  kscope traffic -r node2.pcap --context prod       (name pods and services from that cluster's API)",
                "  kscope traffic -r all.pcap --db traffic.duckdb --retention 7d",
                "  kscope traffic query 'http.status >= 500' --db traffic.duckdb -w errors.pcapng",
                "  kscope traffic -r all.pcap --ui         (then open http://127.0.0.1:8899)",
                "",
                "Filter variables (CEL, https://cel.dev): " + MessageFilter.VARIABLES,
                "A filter that does not apply to a message (http.status on a DNS message) does not match it.",
                "Live on pods, pods that start later and match (-l/-n/-A, or a -p pod created again) are analyzed too;",
                "--no-follow keeps to the pods running at the start.",
                "Names: pods of this node from its container runtime; with a Kubernetes API (--kubeconfig, $KUBECONFIG,",
                "~/.kube/config or in-cluster) also services (svc/NAME for a ClusterIP) and pods of other nodes;",
                "--no-kubernetes turns that off.",
                "Make a capture: tcpdump -i any -w web.pcap 'tcp port 80'"})
public final class TrafficCommand implements Runnable {
    @picocli.CommandLine.Mixin
    PodTargetFlags podFlags = new PodTargetFlags();

    @Option(names = {"-r", "--read"}, paramLabel = "FILE", description = "pcap or pcapng file to analyze (tcpdump -w, Wireshark, kscope capture); "
            + "- reads standard input as it comes: tcpdump -i any -U -w - | kscope traffic -r -")
    String read;

    @Option(names = {"-i", "--interface"}, paramLabel = "IFACE", description = "live: a host interface (repeatable)")
    java.util.List<String> interfaces = new java.util.ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = MessagePrinter.FORMATS)
    String output;

    @Option(names = "--context", paramLabel = "NAME",
            description = "kubeconfig context of the cluster that names services and pods of other nodes (default: the current one)")
    String context;

    @Option(names = "-B", paramLabel = "KiB", description = "live: packet ring per interface in KiB (default 65536), "
            + "what absorbs bursts while analysis catches up")
    Long bufferKib;

    @Option(names = "--filter", paramLabel = "CEL", description = "only messages for which this CEL expression is true")
    String filter;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "stop after N messages (0: no limit)")
    long limit;

    @Option(names = "--db", paramLabel = "PATH", description = "store the messages in this DuckDB file (see 'kscope traffic query'); live, their packets "
            + "are kept beside it in PATH.packets/ for 'query -w'. Live captures store by default in " + History.DEFAULT_TEXT
            + "; files (-r FILE) only with --db")
    Path db;

    @Option(names = "--no-db", description = "live: keep no history")
    boolean noDb;

    @Option(names = "--retention", paramLabel = "AGE", defaultValue = "7d",
            description = "with --db: drop messages (and spooled packets) older than this (capture time; e.g. 30m, 24h, 7d; default ${DEFAULT-VALUE})")
    String retention;

    @Option(names = "--max-db-size", paramLabel = "SIZE", defaultValue = "1GB",
            description = "with --db: drop the oldest messages while the database is larger, and the oldest spooled packets "
                    + "while PATH.packets/ is (e.g. 200MB, 2GB; default ${DEFAULT-VALUE})")
    String maxDbSize;

    @Option(names = "--ui", description = "serve the web UI (message stream, filter, details, service map) instead of printing")
    boolean ui;

    @Option(names = "--ui-addr", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8899",
            description = "where --ui listens (default ${DEFAULT-VALUE}; keep it on loopback: the UI has no authentication)")
    String uiAddr;

    @Option(names = "--debug", hidden = true)
    boolean debug;

    @Override
    public void run() {
        var out = new PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false, java.nio.charset.StandardCharsets.UTF_8);
        var printer = MessagePrinter.of(output, out, Terminal.width());
        boolean capturing = read == null;
        if (capturing && !podFlags.any() && interfaces.isEmpty()) {
            throw new KscopeException("nothing to analyze: give pods (-p POD, -l SELECTOR, -A), host interfaces (-i IFACE), "
                    + "or a capture file (-r FILE.pcap, - for standard input)", null, 2);
        }
        if (!capturing && (podFlags.any() || !interfaces.isEmpty())) {
            throw new KscopeException("-r reads a capture: it can't go with -p/-l/-A/-i, which capture live (drop one side)", null, 2);
        }
        if (!capturing && bufferKib != null) {
            throw new KscopeException("-B sizes the live capture's ring: it does nothing with -r (drop -B)", null, 2);
        }
        var captureOptions = capturing ? captureOptions() : null;
        var messageFilter = filter == null ? null : MessageFilter.compile(filter);
        var web = ui ? new TrafficUi(address(uiAddr), 50_000) : null;
        if (web != null) System.err.println("kscope traffic UI: " + web.uri() + " (Ctrl-C to stop)");

        var shown = new long[1];
        var live = capturing || read.equals("-");
        if (noDb && db != null) throw new KscopeException("--db and --no-db contradict each other (drop one)", null, 2);
        var history = db != null ? db : live && !noDb ? History.defaultPath() : null;
        var store = history == null ? null : openHistory(history, db == null);
        // live packets can't be re-read later: with a history they are spooled beside it, for 'query -w'
        var spool = store == null || !live ? null : PacketSpool.open(PacketSpool.besides(history), duration(retention, "--retention"), size(maxDbSize));
        var sourceName = spool != null ? spool.name() : live ? null : Path.of(read).toAbsolutePath().toString();
        Consumer<Message> sink = m -> {
            if (store != null) store.add(m, sourceName);
            if (limit > 0 && shown[0] >= limit) return;
            if (messageFilter != null && !messageFilter.test(m)) return;
            shown[0]++;
            if (web != null) web.accept(m);
            else printer.print(m);
        };
        // Output and history get a thread of their own, so dissection keeps up with the capture; live, the output is
        // flushed whenever that thread has caught up (rows appear as calls complete, with one write per burst). Live, its
        // queue is short: a backlog waits in the capture ring as packets (~0.5 KB for a small call), not on the heap as messages (~6 KB).
        Runnable caughtUp = live ? printer::flush : () -> {};
        try (var capture = capturing ? LiveCapture.start(podFlags, hostTargets(), captureOptions) : null;
             var source = capturing ? capture.source() : CaptureSource.open(read); store; spool;
             var podNames = PodEndpoints.start(podFlags.runtime.options(), clusterNames(live));
             var output = new AsyncSink(sink::accept, live ? 1024 : 512, live ? 1 : 128, caughtUp);
             var drops = capture == null ? null : new DropReporter(capture::droppedByKernel, web == null ? printer : null, System.err, Duration.ofSeconds(1))) {
            var analyzer = new TrafficAnalyzer(podNames, output);
            if (web == null) printer.header();
            if (live) printer.flush(); // the header says it: capturing (or reading) from now on
            if (capture != null) System.err.println("capturing live" + (capture.interfaces().isEmpty() ? "" : " on " + String.join(", ", capture.interfaces()))
                    + " (Ctrl-C to stop)"
                    + (store != null && db == null ? "; history in " + history + " (kscope traffic query --help)" : ""));
            long t0 = System.nanoTime();
            analyzer.run(spool == null ? source : spool.tee(source));
            output.close();
            if (drops != null) drops.close(); // the capture has ended: its counters are final
            printer.close();
            double secs = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            var s = analyzer.stats();
            var tcp = analyzer.tcpStats();
            System.err.printf("%d packets, %d messages (%d shown), %d TCP connections (%d unrecognized), %d gaps%s; "
                            + "analyzed in %.0f ms (%.0f packets/s, %.1f MB/s)%s%n",
                    s.packets, s.messages, shown[0], tcp.connections, s.unknownConnections, tcp.gaps,
                    drops == null ? "" : ", " + drops.total() + " packets dropped by the kernel",
                    secs * 1000, s.packets / secs, source.bytes() / secs / 1e6,
                    source.truncated() ? "; the file ends in the middle of a packet (capture cut short?)" : "");
        }
        if (web != null) {
            try {
                Thread.currentThread().join(); // serve until interrupted
            } catch (InterruptedException e) {
                web.close();
            }
        }
    }

    /**
     * The cluster's names for addresses, when its API is configured (one warning when it does not answer; none without a kubeconfig).
     * Live, informers watch the cluster, and capturing starts once they have listed it (at most 5 s). A file is named as the
     * cluster is now, listed once in the background while the capture is dissected; the first name waits for it (at most 30 s).
     */
    private ClusterAddresses clusterNames(boolean live) {
        var flags = podFlags.runtime;
        Consumer<String> warn = w -> System.err.println("kscope: warning: " + w);
        var whatIsOff = "service names and pods of other nodes are off";
        if (live) {
            return KubernetesClients.open(flags.kubernetesMode(), flags.kubeconfig, context, whatIsOff, warn)
                    .map(client -> ClusterAddresses.start(client, true, Duration.ofSeconds(5), warn)).orElse(null);
        }
        return KubernetesClients.access(flags.kubernetesMode(), flags.kubeconfig, context, whatIsOff, warn)
                .map(access -> ClusterAddresses.list(access, Duration.ofSeconds(30), warn)).orElse(null);
    }

    /**
     * The history, or null: the default one may be held by another kscope traffic (DuckDB locks its file), which costs
     * this run its history, not its analysis; a --db that can't be opened is an error.
     */
    private MessageStore openHistory(Path path, boolean isDefault) {
        try {
            if (isDefault) java.nio.file.Files.createDirectories(path.getParent());
            return new MessageStore(path, duration(retention, "--retention"), size(maxDbSize));
        } catch (KscopeException | java.io.IOException e) {
            if (!isDefault) throw e instanceof KscopeException k ? k : new KscopeException("cannot create " + path + ": " + e.getMessage(), e);
            System.err.println("kscope: warning: no history this time: " + e.getMessage().lines().findFirst().orElse("")
                    + " (another kscope traffic may be using it: give this one --db PATH, or --no-db)");
            return null;
        }
    }

    /** The host interfaces to capture besides the pods. */
    private java.util.List<dev.kscope.capture.CaptureTarget> hostTargets() {
        return interfaces.isEmpty() ? java.util.List.of() : java.util.List.of(dev.kscope.capture.CaptureTarget.host(interfaces));
    }

    private dev.kscope.capture.CaptureOptions captureOptions() {
        if (bufferKib != null && (bufferKib < 64 || bufferKib > 4L << 20)) {
            throw new KscopeException("invalid -B " + bufferKib + ": the buffer must be between 64 KiB and 4 GiB (e.g. -B 262144 for 256 MiB)", null, 2);
        }
        return bufferKib == null ? dev.kscope.capture.CaptureOptions.defaults()
                : dev.kscope.capture.CaptureOptions.defaults().withBufferBytes(bufferKib * 1024);
    }

    static java.net.InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            return new java.net.InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new KscopeException("bad --ui-addr '" + hostPort + "': expected HOST:PORT, e.g. 127.0.0.1:8899", null, 2);
        }
    }

    static Duration duration(String text, String option) {
        return dev.kscope.core.Units.duration(text, option);
    }

    static long size(String text) {
        return dev.kscope.core.Units.size(text, "--max-db-size");
    }

    @Command(name = "query",
            mixinStandardHelpOptions = true,
            description = "Search the message history stored with --db, optionally writing the matching messages' packets to pcapng.",
            footer = {"",
                    "Examples:",
                    "  kscope traffic query                                                      # the live history, all of it",
                    "  kscope traffic query --db traffic.duckdb                                  # everything stored there",
                    "  kscope traffic query 'http.status >= 500' --db traffic.duckdb --since 10m",
                    "  kscope traffic query 'proto == \"redis\" && error' --db traffic.duckdb -o json",
                    "  kscope traffic query 'http.status >= 500' -o custom-columns=TIME:.time,POD:.dst.pod,URI:.http.path,STATUS:.status",
                    "  kscope traffic query 'dns.rcode == \"NXDOMAIN\"' --db traffic.duckdb -w nx.pcapng",
                    "",
                    "--since counts back from now, by capture time: messages read from an old capture file are older."})
    static final class Query implements Runnable {
        @CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "CEL", description = "filter expression, as for --filter (default: all)")
        String filter;

        @Option(names = "--db", paramLabel = "PATH", description = "DuckDB file written by 'kscope traffic' (default: live captures' " + History.DEFAULT_TEXT + ")")
        Path db;

        @Option(names = "--since", paramLabel = "AGE", description = "only messages that started in the last AGE (e.g. 10m, 2h, 7d)")
        String since;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = MessagePrinter.FORMATS)
        String output;

        @Option(names = {"-w", "--write"}, paramLabel = "FILE.pcapng", description = "write the packets of the matching messages here")
        Path write;

        @Option(names = "--debug", hidden = true)
        boolean debug;

        @Override
        public void run() {
            var out = new PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false, java.nio.charset.StandardCharsets.UTF_8);
            var printer = MessagePrinter.of(output, out, Terminal.width());
            Path db = this.db != null ? this.db : History.defaultPath();
            if (!java.nio.file.Files.exists(db)) {
                throw new KscopeException("no message history at " + db + " (live captures store one there; for a file: kscope traffic -r FILE.pcap --db " + db + ")");
            }
            var messageFilter = filter == null ? null : MessageFilter.compile(filter);
            long from = since == null ? Long.MIN_VALUE
                    : java.time.Instant.now().minus(duration(since, "--since")).toEpochMilli() * 1_000_000L;
            try (var store = new MessageStore(db, null, 0)) {
                printer.header();
                var matches = new java.util.ArrayList<MessageStore.Stored>(); // kept only for -w
                long[] count = {0};
                store.forEachSince(from, s -> {
                    if (messageFilter != null && !messageFilter.test(s.message())) return;
                    count[0]++;
                    printer.print(s.message());
                    if (write != null) matches.add(s);
                });
                printer.close();
                if (write != null) {
                    var exported = PacketExporter.export(matches, write);
                    System.err.printf("%d messages; %d packets written to %s%s%n", count[0], exported.packets(), write,
                            exported.withoutPackets() == 0 ? "" : "; " + exported.withoutPackets() + " of the messages had no packets left "
                                    + "(trimmed from the packet spool by --retention/--max-db-size, or stored without their packets)");
                } else {
                    System.err.printf("%d messages%n", count[0]);
                }
            }
        }
    }
}
