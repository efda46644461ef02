package dev.kscope.cli;

import dev.kscope.core.KscopeException;
import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.output.MessageFormat;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.resolve.EndpointResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Consumer;

@Command(name = "traffic",
        mixinStandardHelpOptions = true,
        description = {
                "Turn network traffic into API calls: HTTP/1.x, DNS (UDP and TCP), Redis (RESP2/3) request/response",
                "messages with latency, sizes and status, recognized by content (any port).",
                "Reads a pcap or pcapng file (-r); live capture in pods comes with 'kscope capture'."},
        footer = {"",
                "Examples:",
                "  kscope traffic -r web.pcap                                   # table of every message",
                "  kscope traffic -r web.pcapng -o json | jq .http.url          # one JSON object per line",
                "  kscope traffic -r web.pcap --filter 'http.status >= 500'",
                "  kscope traffic -r all.pcap --filter 'proto == \"dns\" && dns.rcode == \"NXDOMAIN\"'",
                "  kscope traffic -r all.pcap --filter 'latency_ms > 100 && dst.port == 6379'",
                "  kscope traffic -r all.pcap --filter 'http.path.startsWith(\"/api/\") && src.pod == \"web\"'",
                "",
                "Filter variables (CEL, https://cel.dev): " + MessageFilter.VARIABLES,
                "A filter that does not apply to a message (http.status on a DNS message) does not match it.",
                "Capture a file to read: tcpdump -i any -w web.pcap 'tcp port 80'"})
public final class TrafficCommand implements Runnable {
    @Option(names = {"-r", "--read"}, paramLabel = "FILE", description = "pcap or pcapng file to analyze (tcpdump -w, Wireshark, kscope capture)")
    Path read;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default) or json (one object per line)")
    String output;

    @Option(names = "--filter", paramLabel = "CEL", description = "only messages for which this CEL expression is true")
    String filter;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "stop after N messages (0: no limit)")
    long limit;

    @Option(names = "--debug", hidden = true)
    boolean debug;

    @Override
    public void run() {
        if (!output.equals("table") && !output.equals("json")) {
            throw new KscopeException("unknown output format '" + output + "' (use -o table or -o json)", null, 2);
        }
        if (read == null) {
            throw new KscopeException("live traffic needs the capture module, which is not wired in yet (read a capture file with -r FILE.pcap; "
                    + "make one with: tcpdump -i any -w FILE.pcap)", null, 2);
        }
        var messageFilter = filter == null ? null : MessageFilter.compile(filter);
        var out = new PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false, java.nio.charset.StandardCharsets.UTF_8);
        boolean json = output.equals("json");
        if (!json) out.println(MessageFormat.TABLE_HEADER);
        var shown = new long[1];
        Consumer<Message> print = m -> {
            if (limit > 0 && shown[0] >= limit) return;
            if (messageFilter != null && !messageFilter.test(m)) return;
            shown[0]++;
            out.println(json ? MessageFormat.json(m) : MessageFormat.tableRow(m));
        };
        try (var source = new PcapFileSource(read)) {
            var analyzer = new TrafficAnalyzer(EndpointResolver.NONE, print::accept);
            long t0 = System.nanoTime();
            analyzer.run(source);
            out.flush();
            double secs = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            var s = analyzer.stats();
            var tcp = analyzer.tcpStats();
            System.err.printf("%d packets, %d messages (%d shown), %d TCP connections (%d unrecognized), %d gaps; "
                            + "analyzed in %.0f ms (%.0f packets/s, %.1f MB/s)%s%n",
                    s.packets, s.messages, shown[0], tcp.connections, s.unknownConnections, tcp.gaps,
                    secs * 1000, s.packets / secs, source.fileSize() / secs / 1e6,
                    source.truncated() ? "; the file ends in the middle of a packet (capture cut short?)" : "");
        }
    }
}
