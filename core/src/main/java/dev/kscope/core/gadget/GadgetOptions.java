package dev.kscope.core.gadget;

import dev.kscope.core.KscopeException;
import dev.kscope.core.event.ContainerLookup;

import java.time.Duration;
import java.util.Set;

/**
 * Settings every gadget shares.
 *
 * @param ringBufferBytes size of the kernel→user ring buffer (a power of two, at least one page)
 * @param flushInterval   how long events may wait in the ring before the reader drains it (the kernel also wakes
 *                        the reader as soon as an eighth of the ring is full)
 * @param mntnsFilter     trace only these mount namespaces (null: all); can change while running
 * @param containers      the enrichment source
 */
public record GadgetOptions(int ringBufferBytes, Duration flushInterval, Set<Long> mntnsFilter, ContainerLookup containers) {
    public static final int DEFAULT_RING_BUFFER_BYTES = 8 << 20;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(20);

    public GadgetOptions {
        if (ringBufferBytes < 4096 || Integer.bitCount(ringBufferBytes) != 1) {
            throw new KscopeException("invalid ring buffer size " + ringBufferBytes + ": it must be a power of two of at least 4096 bytes (e.g. --ringbuf-size 16M)", null, 2);
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) throw new KscopeException("invalid flush interval " + flushInterval + ": it must be positive", null, 2);
        mntnsFilter = mntnsFilter == null ? null : Set.copyOf(mntnsFilter);
        containers = containers == null ? ContainerLookup.NONE : containers;
    }

    public static GadgetOptions defaults() {
        return new GadgetOptions(DEFAULT_RING_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL, null, ContainerLookup.NONE);
    }

    public GadgetOptions withRingBufferBytes(int bytes) {
        return new GadgetOptions(bytes, flushInterval, mntnsFilter, containers);
    }

    public GadgetOptions withFlushInterval(Duration d) {
        return new GadgetOptions(ringBufferBytes, d, mntnsFilter, containers);
    }

    public GadgetOptions withMntnsFilter(Set<Long> ids) {
        return new GadgetOptions(ringBufferBytes, flushInterval, ids, containers);
    }

    public GadgetOptions withContainers(ContainerLookup lookup) {
        return new GadgetOptions(ringBufferBytes, flushInterval, mntnsFilter, lookup);
    }
}
