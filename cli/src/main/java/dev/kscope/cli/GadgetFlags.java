package dev.kscope.cli;

import dev.kscope.core.Units;
import dev.kscope.core.gadget.GadgetOptions;
import dev.kscope.core.output.OutputFormat;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The flags every gadget command shares. */
final class GadgetFlags {
    @Mixin
    OutputFlag output = new OutputFlag();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop after this long, e.g. 10s, 1m30s (default: until Ctrl-C).")
    String timeout;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after N events.")
    Long maxEvents;

    @Option(names = "--ringbuf-size", paramLabel = "SIZE", defaultValue = "4M",
            description = "Kernel-to-kscope ring buffer size, a power of two (default: ${DEFAULT-VALUE}). Raise it if events are lost.")
    String ringBufferSize;

    @Option(names = "--flush-interval", paramLabel = "DURATION", defaultValue = "20ms", hidden = true,
            description = "Longest time an event waits in the ring buffer before being read (default: ${DEFAULT-VALUE}).")
    String flushInterval;

    @Option(names = "--debug", description = "Show stack traces and libbpf's log (verifier output) on errors.")
    boolean debug;

    OutputFormat format() {
        return output.format();
    }

    Duration timeoutDuration() {
        return timeout == null ? null : Units.duration(timeout, "--timeout");
    }

    long maxEventsValue() {
        if (maxEvents != null && maxEvents <= 0) {
            throw new dev.kscope.core.KscopeException("invalid --max-events " + maxEvents + ": it must be at least 1", null, 2);
        }
        return maxEvents == null ? Long.MAX_VALUE : maxEvents;
    }

    GadgetOptions options() {
        long size = Units.size(ringBufferSize, "--ringbuf-size");
        if (size > Integer.MAX_VALUE) throw new dev.kscope.core.KscopeException("--ringbuf-size " + ringBufferSize + " is too large (at most 1G)", null, 2);
        return GadgetOptions.defaults().withRingBufferBytes((int) size)
                .withFlushInterval(Units.duration(flushInterval, "--flush-interval"));
    }
}
