import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.message.MessageSink;
import dev.kscope.traffic.output.MessagePrinter;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Steady-state throughput of the analyzer (what a long-running live analyzer sees once the JIT is warm): the same
 * capture dissected N times in one JVM, alternately with its messages written as JSON Lines (to nowhere) on the same
 * thread and with them only counted; prints the best packets/s of each: "WITH_JSON ANALYSIS_ONLY".
 * Usage: java -cp CLASSPATH bench/traffic/SteadyState.java FILE.pcap [runs]
 */
public class SteadyState {
    public static void main(String[] args) {
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        double withJson = 0, alone = 0;
        for (int i = 0; i < 2 * runs; i++) {
            var json = MessagePrinter.of("json", new PrintStream(OutputStream.nullOutputStream()), 0);
            long[] count = {0};
            MessageSink sink = i % 2 == 0 ? json::print : m -> count[0]++;
            long t0 = System.nanoTime();
            try (var source = new PcapFileSource(Path.of(args[0]))) {
                var analyzer = new TrafficAnalyzer(EndpointResolver.NONE, sink);
                analyzer.run(source);
                double rate = analyzer.stats().packets / ((System.nanoTime() - t0) / 1e9);
                if (i % 2 == 0) withJson = Math.max(withJson, rate);
                else alone = Math.max(alone, rate);
            }
        }
        System.out.printf("%.0f %.0f%n", withJson, alone);
    }
}
