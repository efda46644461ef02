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
 * Time and heap bytes per packet of the two pcapng writers, on whatever classes are on the class path (run.sh
 * puts the baseline's, then the current ones): capture's PcapngWriter into a channel that drops the bytes (the
 * encoding and buffering alone, no disk), traffic's PcapngWriter into /dev/null. Prints one line per writer and
 * payload: the best of ROUNDS rounds of PACKETS packets.
 * Usage: java WriterBench.java ROUNDS PACKETS
 */
public class WriterBench {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        long packets = Long.parseLong(args[1]);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int size : new int[]{64, 1400}) {
            var frame = Arena.ofAuto().allocate(size, 8);
            double best = Double.MAX_VALUE, allocated = 0;
            for (int r = 0; r < rounds; r++) {
                WritableByteChannel drop = new WritableByteChannel() {
                    public int write(ByteBuffer b) {
                        int n = b.remaining();
                        b.position(b.limit());
                        return n;
                    }

                    public boolean isOpen() {
                        return true;
                    }

                    public void close() {}
                };
                try (var w = new dev.kscope.capture.PcapngWriter(drop, 4 << 20)) {
                    w.sectionHeader(null, "Linux", "bench");
                    w.interfaceDescription(new InterfaceInfo("eth0", null, null, InterfaceInfo.LINKTYPE_ETHERNET, 262144, List.of(), "udp"));
                    long a0 = threads.getCurrentThreadAllocatedBytes(), t0 = System.nanoTime();
                    for (long i = 0; i < packets; i++) {
                        w.packet(0, i, frame, 0, size, size, 1 | 1 << 2, -1, 262144);
                        if ((i & 1023) == 1023) w.flush(); // the baseline's writer does not flush a full buffer to a channel by itself
                    }
                    long t1 = System.nanoTime(), a1 = threads.getCurrentThreadAllocatedBytes();
                    best = Math.min(best, (t1 - t0) / (double) packets);
                    allocated = (a1 - a0) / (double) packets;
                }
            }
            System.out.printf("capture/PcapngWriter %5d B: %6.1f ns/packet, %6.2f heap bytes/packet%n", size, best, allocated);
        }
        for (int size : new int[]{64, 1400}) {
            var p = new Packet(0, 1, 1, MemorySegment.ofArray(new byte[size]), size);
            double best = Double.MAX_VALUE, allocated = 0;
            for (int r = 0; r < rounds; r++) {
                try (var w = new dev.kscope.traffic.pcap.PcapngWriter(Path.of("/dev/null"))) {
                    long a0 = threads.getCurrentThreadAllocatedBytes(), t0 = System.nanoTime();
                    for (long i = 0; i < packets; i++) w.write(p);
                    long t1 = System.nanoTime(), a1 = threads.getCurrentThreadAllocatedBytes();
                    best = Math.min(best, (t1 - t0) / (double) packets);
                    allocated = (a1 - a0) / (double) packets;
                }
            }
            System.out.printf("traffic/PcapngWriter %5d B: %6.1f ns/packet, %6.2f heap bytes/packet%n", size, best, allocated);
        }
    }
}
