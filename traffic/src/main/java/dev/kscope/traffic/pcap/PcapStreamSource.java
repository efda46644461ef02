package dev.kscope.traffic.pcap;

import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;

/**
 * Reads pcap or pcapng from a stream as it arrives (a pipe from {@code tcpdump -U -w -}), so packets are
 * analyzed live. Records are parsed out of one reused buffer that grows to the largest record.
 */
public final class PcapStreamSource implements CaptureSource {
    private final InputStream in;
    private final String name;
    private volatile boolean closed;
    private boolean truncated;
    private long bytes;

    public PcapStreamSource(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    @Override
    public void run(PacketHandler handler) {
        var reader = new CaptureReader(name);
        byte[] buf = new byte[1 << 20];
        int start = 0, end = 0;
        try {
            while (!closed) {
                long n = start < end ? reader.next(MemorySegment.ofArray(buf), start, end, handler) : 0;
                if (n > 0) {
                    start += (int) n;
                    continue;
                }
                // Need more bytes: compact, grow if one record does not fit, read.
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buf.length) {
                    if (buf.length >= CaptureReader.MAX_RECORD + 64) throw new KscopeException("cannot read " + name + ": record larger than 64 MiB (corrupt input)");
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
                int r = in.read(buf, end, buf.length - end);
                if (r < 0) {
                    truncated = end > 0;
                    return;
                }
                end += r;
                bytes += r;
            }
        } catch (IOException e) {
            if (!closed) throw new KscopeException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean truncated() {
        return truncated;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        closed = true;
    }
}
