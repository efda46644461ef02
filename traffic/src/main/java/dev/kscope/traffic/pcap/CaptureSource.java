package dev.kscope.traffic.pcap;

import java.nio.file.Path;

/** A capture in pcap or pcapng format: a file, or a stream such as {@code tcpdump -w -}. */
public interface CaptureSource extends PacketSource {
    /** Whether the capture ended in the middle of a record (a killed capture). */
    boolean truncated();

    /** Capture bytes read so far. */
    long bytes();

    /** {@code -} is standard input (read as it comes, e.g. from {@code tcpdump -U -w -}); anything else a file. */
    static CaptureSource open(String nameOrDash) {
        return nameOrDash.equals("-") ? new PcapStreamSource(System.in, "standard input") : new PcapFileSource(Path.of(nameOrDash));
    }
}
