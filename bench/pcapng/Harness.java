import dev.kscope.capture.InterfaceInfo;
import dev.kscope.traffic.pcap.Packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * One round of one writer, compiled against one tree's classes (WriterBench loads a copy per tree):
 * capture's PcapngWriter into a channel that drops the bytes (encoding and buffering alone, no disk), or
 * traffic's PcapngWriter into /dev/null.
 */
public class Harness {
    /** Returns {nanoseconds, heap bytes} per packet for {@code packets} frames of {@code size} bytes. */
    public static double[] round(String writer, int size, long packets) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long a0, t0, t1, a1;
        if (writer.equals("capture")) {
            var frame = Arena.ofAuto().allocate(size, 8);
            try (var w = new dev.kscope.capture.PcapngWriter(new Drop(), 4 << 20)) {
                w.sectionHeader(null, "Linux", "bench");
                w.interfaceDescription(new InterfaceInfo("eth0", null, null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "udp"));
                a0 = threads.getCurrentThreadAllocatedBytes();
                t0 = System.nanoTime();
                for (long i = 0; i < packets; i++) {
                    w.packet(0, i, frame, 0, size, size, 1 | 1 << 2, -1, 262144);
                    if ((i & 1023) == 1023) w.flush(); // the baseline's writer does not flush a full buffer to a channel by itself
                }
                t1 = System.nanoTime();
                a1 = threads.getCurrentThreadAllocatedBytes();
            }
        } else {
            var p = new Packet(0, 1, 1, MemorySegment.ofArray(new byte[size]), size);
            try (var w = new dev.kscope.traffic.pcap.PcapngWriter(Path.of("/dev/null"))) {
                a0 = threads.getCurrentThreadAllocatedBytes();
                t0 = System.nanoTime();
                for (long i = 0; i < packets; i++) w.write(p);
                t1 = System.nanoTime();
                a1 = threads.getCurrentThreadAllocatedBytes();
            }
        }
        return new double[]{(t1 - t0) / (double) packets, (a1 - a0) / (double) packets};
    }

    static final class Drop implements WritableByteChannel {
        public int write(ByteBuffer b) {
            int n = b.remaining();
            b.position(b.limit());
            return n;
        }

        public boolean isOpen() {
            return true;
        }

        public void close() {}
    }
}
