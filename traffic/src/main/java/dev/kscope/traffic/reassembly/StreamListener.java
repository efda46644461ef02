package dev.kscope.traffic.reassembly;

import java.lang.foreign.MemorySegment;

/** Receives one TCP connection's byte streams in order. {@code data} is valid only during the call. */
public interface StreamListener {
    void onData(boolean fromClient, MemorySegment data, long timestampNanos);

    /** Bytes that the capture missed (never seen, or given up on); the next onData starts after the hole. */
    void onGap(boolean fromClient, long missingBytes, long timestampNanos);

    /** The connection ended (FIN both ways, RST, idle timeout or end of capture); no more calls follow. */
    void onClose(long timestampNanos);
}
