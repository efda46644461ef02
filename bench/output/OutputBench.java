import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.output.MessageFormat;
import dev.kscope.traffic.output.MessagePrinter;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The output thread's work alone: the messages of a capture (dissected once, kept in memory) written N times by each
 * printer, as kscope traffic's output thread writes them (a PrintStream over a 64 KiB buffer), into /dev/null. "before"
 * is MessageFormat, the printer -o table/json had until core/output printed traffic (compiled from git history by run.sh),
 * "after" is MessagePrinter. Rounds alternate, best round counts. Prints "format before after" in messages per CPU-second.
 * Usage: java -cp CLASSPATH bench/output/OutputBench.java FILE.pcap [rounds]
 */
public class OutputBench {
    public static void main(String[] args) {
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        var messages = new ArrayList<Message>();
        try (var source = new PcapFileSource(Path.of(args[0]))) {
            new TrafficAnalyzer(EndpointResolver.NONE, messages::add).run(source);
        }
        for (var format : List.of("json", "table")) {
            double before = 0, after = 0;
            for (int r = 0; r < rounds; r++) {
                before = Math.max(before, rate(messages, out -> {
                    if (format.equals("json")) {
                        var json = new MessageFormat.JsonLines(out);
                        messages.forEach(json::write);
                        json.flush();
                    } else {
                        out.println(MessageFormat.TABLE_HEADER);
                        for (var m : messages) out.println(MessageFormat.tableRow(m));
                    }
                }));
                after = Math.max(after, rate(messages, out -> {
                    try (var printer = MessagePrinter.of(format, out, 0)) {
                        printer.header();
                        messages.forEach(printer::print);
                    }
                }));
            }
            System.out.printf("%s %.0f %.0f%n", format, before, after);
        }
    }

    /** Messages per second of this thread's CPU time: other work on the machine (the other engineers' builds) counts less. */
    private static double rate(List<Message> messages, Consumer<PrintStream> write) {
        var out = new PrintStream(new BufferedOutputStream(OutputStream.nullOutputStream(), 1 << 16), false, StandardCharsets.UTF_8);
        long t0 = CPU.getCurrentThreadCpuTime();
        write.accept(out);
        out.flush();
        return messages.size() / ((CPU.getCurrentThreadCpuTime() - t0) / 1e9);
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
}
