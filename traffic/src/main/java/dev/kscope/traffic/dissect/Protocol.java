package dev.kscope.traffic.dissect;

import dev.kscope.traffic.message.MessageSink;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/** A protocol the analyzer recognizes by content. */
public interface Protocol {
    String name();

    /** Judges the first bytes one side of a TCP connection sent (at most a few hundred). */
    default Verdict probeStream(ByteCumulator first, boolean fromClient) {
        return Verdict.NO;
    }

    default StreamDissector newStream(Conversation conversation) {
        throw new UnsupportedOperationException(name() + " does not run over TCP");
    }

    /** Whether a UDP datagram belongs to this protocol. */
    default boolean probeDatagram(MemorySegment data, int srcPort, int dstPort) {
        return false;
    }

    default DatagramDissector newDatagramDissector(MessageSink sink, AtomicLong ids) {
        throw new UnsupportedOperationException(name() + " does not run over UDP");
    }
}
