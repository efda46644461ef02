package dev.kscope.capture;

import java.time.Duration;

/**
 * How to capture.
 *
 * @param filter      tcpdump filter expression, "" for everything
 * @param snaplen     bytes kept of each packet (tcpdump -s; 262144 by default)
 * @param bufferBytes packet ring size per interface (tcpdump -B, which counts KiB); 0 for {@link #ringBytes automatic}
 * @param maxPackets  stop after this many packets, 0 for no limit (tcpdump -c)
 * @param duration    stop after this long, null for no limit
 * @param promiscuous put the interfaces in promiscuous mode, as tcpdump does unless -p
 */
public record CaptureOptions(String filter, int snaplen, long bufferBytes, long maxPackets, Duration duration, boolean promiscuous) {
    public static final int DEFAULT_SNAPLEN = 262144;
    /**
     * Automatic ring sizes: this much in all, shared by the interfaces, each ring between RING_MIN and RING_MAX.
     * One interface gets 128 MiB, tcpdump users' "-B 131072" (tcpdump's own default is 2 MiB): at 1400-byte line
     * rate on a veth (~450 MB/s) that is ~300 ms of packets, room for the capture thread to be scheduled late on a
     * busy node without dropping. The kernel cannot swap ring memory out, hence the shared budget.
     */
    public static final long RING_BUDGET = 256L << 20, RING_MIN = 8L << 20, RING_MAX = 128L << 20;

    public CaptureOptions {
        if (snaplen <= 0) snaplen = DEFAULT_SNAPLEN;
        if (bufferBytes < 0) bufferBytes = 0;
        filter = filter == null ? "" : filter.strip();
    }

    public static CaptureOptions defaults() {
        return new CaptureOptions("", DEFAULT_SNAPLEN, 0, 0, null, true);
    }

    public CaptureOptions withFilter(String f) {
        return new CaptureOptions(f, snaplen, bufferBytes, maxPackets, duration, promiscuous);
    }

    public CaptureOptions withSnaplen(int s) {
        return new CaptureOptions(filter, s, bufferBytes, maxPackets, duration, promiscuous);
    }

    public CaptureOptions withMaxPackets(long n) {
        return new CaptureOptions(filter, snaplen, bufferBytes, n, duration, promiscuous);
    }

    public CaptureOptions withDuration(Duration d) {
        return new CaptureOptions(filter, snaplen, bufferBytes, maxPackets, d, promiscuous);
    }

    public CaptureOptions withBufferBytes(long b) {
        return new CaptureOptions(filter, snaplen, b, maxPackets, duration, promiscuous);
    }

    public CaptureOptions withPromiscuous(boolean p) {
        return new CaptureOptions(filter, snaplen, bufferBytes, maxPackets, duration, p);
    }

    /** The ring of each of {@code interfaces} rings: -B as given, else a share of {@link #RING_BUDGET}. */
    long ringBytes(int interfaces) {
        if (bufferBytes > 0) return bufferBytes;
        return Long.highestOneBit(Math.clamp(RING_BUDGET / Math.max(1, interfaces), RING_MIN, RING_MAX));
    }

    /** Ring blocks: big enough for a 64 KiB GRO packet, small enough that a quiet interface still fills several. */
    static int blockSize(long ringBytes) {
        long b = Long.highestOneBit(Math.max(1, ringBytes / 8));
        return (int) Math.max(128 << 10, Math.min(1 << 20, b));
    }

    static int blockCount(long ringBytes) {
        return (int) Math.max(2, ringBytes / blockSize(ringBytes));
    }
}
