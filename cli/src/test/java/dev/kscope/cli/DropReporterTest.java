package dev.kscope.cli;

import dev.kscope.traffic.output.MessagePrinter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Live drops are never silent: each new batch of kernel drops is a warning on stderr and a record in the JSON stream. */
class DropReporterTest {

    @Test
    void reportsEachNewBatchOfDropsOnStderrAndInJson() throws Exception {
        var counter = new AtomicLong();
        var err = new ByteArrayOutputStream();
        var out = new ByteArrayOutputStream();
        var json = MessagePrinter.of("json", new PrintStream(out, true, StandardCharsets.UTF_8), 0);
        try (var reporter = new DropReporter(counter::get, json, new PrintStream(err, true, StandardCharsets.UTF_8), Duration.ofMillis(10))) {
            Thread.sleep(100); // nothing dropped: nothing said
            assertThat(err.size()).isZero();
            counter.set(5);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (reporter.total() < 5 && System.nanoTime() < deadline) Thread.sleep(10);
            counter.set(12); // dropped after the last check: close() still reports it
        }
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "kscope: warning: 5 packets dropped by the kernel (5 in all): analysis fell behind the capture; messages on those "
                        + "connections are missing or marked 'gap in capture' (raise -B, capture fewer pods, or give kscope more CPU)",
                "kscope: warning: 7 packets dropped by the kernel (12 in all): analysis fell behind the capture; messages on those "
                        + "connections are missing or marked 'gap in capture' (raise -B, capture fewer pods, or give kscope more CPU)");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                "{\"dropped_packets\":5,\"total_dropped_packets\":5}\n{\"dropped_packets\":7,\"total_dropped_packets\":12}\n");
    }

    @Test
    void ringSizeIsCheckedBeforeAnythingStarts() {
        var tiny = TrafficCommandTest.kscope("traffic", "-p", "web", "-B", "10");
        assertThat(tiny.code()).isEqualTo(2);
        assertThat(tiny.err()).isEqualTo("kscope: invalid -B 10: the buffer must be between 64 KiB and 4 GiB (e.g. -B 262144 for 256 MiB)\n");
        var withFile = TrafficCommandTest.kscope("traffic", "-r", "x.pcap", "-B", "1024");
        assertThat(withFile.code()).isEqualTo(2);
        assertThat(withFile.err()).isEqualTo("kscope: -B sizes the live capture's ring: it does nothing with -r (drop -B)\n");
    }
}
