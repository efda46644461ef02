package dev.kscope.traffic.dissect;

/** Thrown by a decoder on bytes that break the protocol; the message is marked malformed and the stream resyncs. */
public final class Malformed extends RuntimeException {
    public Malformed(String why) {
        super(why, null, false, false);
    }
}
