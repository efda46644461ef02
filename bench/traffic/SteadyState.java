import dev.kscope.traffic.TrafficAnalyzer;
import dev.kscope.traffic.output.MessagePrinter;
import dev.kscope.traffic.pcap.PcapFileSource;
import dev.kscope.traffic.resolve.EndpointResolver;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Steady-state throughput of the analyzer (what a long-running live analyzer sees once the JIT is warm): the
 * same capture dissected and written as JSON Lines N times in one JVM; prints the best run's packets/s.
 * Usage: java -cp CLASSPATH bench/traffic/SteadyState.java FILE.pcap [runs]
 */
public class SteadyState {
    public static void main(String[] args) {
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        double best = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            var json = MessagePrinter.of("json", new PrintStream(OutputStream.nullOutputStream()), 0);
            try (var source = new PcapFileSource(Path.of(args[0]))) {
                var analyzer = new TrafficAnalyzer(EndpointResolver.NONE, json::print);
                analyzer.run(source);
                best = Math.max(best, analyzer.stats().packets / ((System.nanoTime() - t0) / 1e9));
            }
        }
        System.out.printf("%.0f%n", best);
    }
}
