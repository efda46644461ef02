package dev.kscope.traffic.dissect;

import dev.kscope.traffic.message.Endpoint;

import java.lang.foreign.MemorySegment;

/** Decodes datagrams of one protocol across all UDP flows, pairing requests with responses. */
public interface DatagramDissector {
    void onDatagram(Endpoint src, Endpoint dst, MemorySegment data, long timestampNanos);

    /** Requests older than {@code nowNanos - timeout} get reported without a response. */
    void expire(long nowNanos);

    /** End of input: report everything pending. */
    void finish();
}
