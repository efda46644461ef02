package dev.kscope.core.gadget;

import dev.kscope.core.KscopeException;
import dev.kscope.core.event.ContainerLookup;

import java.time.Duration;
import java.util.Map;

/**
 * Settings every gadget shares.
 *
 * @param ringBufferBytes size of the kernel→user ring buffer (a power of two, at least one page)
 * @param flushInterval   how long events may wait in the ring before the reader drains it (the kernel also wakes
 *                        the reader as soon as an eighth of the ring is full)
 * @param mntnsFilter     null: trace every mount namespace; else the kernel's initial verdicts per mntns id
 *                        (true: trace, false: drop); they can change while running
 * @param unknownMntns    with a filter: decides, once each, namespaces the filter has no verdict for (e.g. a container
 *                        that just started), before its first event is delivered; null: such namespaces are dropped
 * @param containers      the enrichment source
 */
public record GadgetOptions(int ringBufferBytes, Duration flushInterval, Map<Long, Boolean> mntnsFilter,
                            MntnsDecider unknownMntns, ContainerLookup containers) {
    public static final int DEFAULT_RING_BUFFER_BYTES = 4 << 20;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(20);

    /** Classifies a mount namespace the kernel filter has no verdict for, from the event that revealed it. */
    @FunctionalInterface
    public interface MntnsDecider {
        boolean trace(long mntnsId, int pid);
    }

    public GadgetOptions {
        if (ringBufferBytes < 4096 || Integer.bitCount(ringBufferBytes) != 1) {
            throw new KscopeException("invalid ring buffer size " + ringBufferBytes + ": it must be a power of two of at least 4096 bytes (e.g. --ringbuf-size 16M)", null, 2);
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) throw new KscopeException("invalid flush interval " + flushInterval + ": it must be positive", null, 2);
        mntnsFilter = mntnsFilter == null ? null : Map.copyOf(mntnsFilter);
        containers = containers == null ? ContainerLookup.NONE : containers;
    }

    public static GadgetOptions defaults() {
        return new GadgetOptions(DEFAULT_RING_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL, null, null, ContainerLookup.NONE);
    }

    public GadgetOptions withRingBufferBytes(int bytes) {
        return new GadgetOptions(bytes, flushInterval, mntnsFilter, unknownMntns, containers);
    }

    public GadgetOptions withFlushInterval(Duration d) {
        return new GadgetOptions(ringBufferBytes, d, mntnsFilter, unknownMntns, containers);
    }

    /** Traces only these mount namespaces (more can be allowed while running). */
    public GadgetOptions withMntnsFilter(java.util.Set<Long> traced) {
        var verdicts = new java.util.HashMap<Long, Boolean>();
        traced.forEach(id -> verdicts.put(id, true));
        return withMntnsFilter(verdicts, null);
    }

    public GadgetOptions withMntnsFilter(Map<Long, Boolean> verdicts, MntnsDecider unknown) {
        return new GadgetOptions(ringBufferBytes, flushInterval, verdicts, unknown, containers);
    }

    public GadgetOptions withContainers(ContainerLookup lookup) {
        return new GadgetOptions(ringBufferBytes, flushInterval, mntnsFilter, unknownMntns, lookup);
    }
}
