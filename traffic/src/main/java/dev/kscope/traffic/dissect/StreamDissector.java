package dev.kscope.traffic.dissect;

import java.lang.foreign.MemorySegment;

/** Decodes one TCP connection, incrementally: data comes in whatever pieces the network made. */
public interface StreamDissector {
    void onData(boolean fromClient, MemorySegment data, long timestampNanos);

    void onGap(boolean fromClient, long missingBytes, long timestampNanos);

    /** End of the connection: report what is still pending. */
    void onClose(long timestampNanos);
}
