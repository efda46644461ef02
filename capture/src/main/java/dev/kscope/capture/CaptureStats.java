package dev.kscope.capture;

import dev.kscope.core.pcapng.PcapngBlocks;

/**
 * Counters of one interface, or of a whole capture, since it started (tcpdump's end-of-capture lines).
 *
 * @param captured           packets written to the output
 * @param received           packets the filter accepted ("received by filter"), including those the kernel dropped
 * @param droppedByKernel    accepted packets lost because the ring was full
 * @param droppedByInterface packets the interface itself dropped (its rx_dropped counter)
 * @param interfaceReceived  packets the interface received and sent
 */
public record CaptureStats(long captured, long received, long droppedByKernel, long droppedByInterface, long interfaceReceived)
        implements PcapngBlocks.Counters {
    public static final CaptureStats ZERO = new CaptureStats(0, 0, 0, 0, 0);

    public CaptureStats plus(CaptureStats o) {
        return new CaptureStats(captured + o.captured, received + o.received, droppedByKernel + o.droppedByKernel,
                droppedByInterface + o.droppedByInterface, interfaceReceived + o.interfaceReceived);
    }

    /** tcpdump's statistics lines. */
    public String report() {
        return captured + " packets captured\n" + received + " packets received by filter\n"
                + droppedByKernel + " packets dropped by kernel\n" + droppedByInterface + " packets dropped by interface";
    }
}
