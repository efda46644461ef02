package dev.kscope.traffic.pcap;

import java.nio.charset.StandardCharsets;

/**
 * One TCP connection written frame by frame, keeping both sides' sequence numbers and a clock: the building block
 * of synthetic captures (the benchmarks' generators, the JVM's AOT training run, the dissector tests, which replay
 * the frames out of order, twice or not at all). Each call takes the time since the previous frame.
 */
public final class TcpConversation {
    private static final int FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;
    private static final byte[] NONE = new byte[0];

    /** Where the frames go: a pcap file, or a list that a test replays in another order. */
    @FunctionalInterface
    public interface FrameSink {
        void write(long timestampNanos, byte[] frame);
    }

    private final FrameSink out;
    private final String client, server;
    private final int clientPort, serverPort;
    private int clientSeq, serverSeq;
    private long nanos, frames;

    /** {@code clientIsn}/{@code serverIsn}: the initial sequence numbers, which the SYNs carry. */
    public TcpConversation(PcapWriter out, long startNanos, String client, int clientPort, String server, int serverPort,
                           int clientIsn, int serverIsn) {
        this(out::write, startNanos, client, clientPort, server, serverPort, clientIsn, serverIsn);
    }

    public TcpConversation(FrameSink out, long startNanos, String client, int clientPort, String server, int serverPort,
                           int clientIsn, int serverIsn) {
        this.out = out;
        this.nanos = startNanos;
        this.client = client;
        this.clientPort = clientPort;
        this.server = server;
        this.serverPort = serverPort;
        this.clientSeq = clientIsn;
        this.serverSeq = serverIsn;
    }

    /** SYN, SYN-ACK, ACK, each {@code gap} after the previous frame. Without it, the capture starts mid-connection. */
    public TcpConversation handshake(long gap) {
        fromClient(gap, clientSeq, 0, SYN, NONE);
        fromServer(gap, serverSeq, clientSeq + 1, SYN | ACK, NONE);
        clientSeq++;
        serverSeq++;
        fromClient(gap, clientSeq, serverSeq, ACK, NONE);
        return this;
    }

    /** A client segment carrying {@code data}; returns its frame's index in this conversation (0 for the first). */
    public int send(long gap, byte[] data) {
        fromClient(gap, clientSeq, serverSeq, PSH | ACK, data);
        clientSeq += data.length;
        return (int) frames - 1;
    }

    /** {@link #send(long, byte[])} of text, one byte per character (ISO-8859-1). */
    public int send(long gap, String data) {
        return send(gap, data.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A server segment carrying {@code data}; returns its frame's index in this conversation. */
    public int reply(long gap, byte[] data) {
        fromServer(gap, serverSeq, clientSeq, PSH | ACK, data);
        serverSeq += data.length;
        return (int) frames - 1;
    }

    /** {@link #reply(long, byte[])} of text, one byte per character (ISO-8859-1). */
    public int reply(long gap, String data) {
        return reply(gap, data.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The server acknowledges what the client sent. */
    public void serverAck(long gap) {
        fromServer(gap, serverSeq, clientSeq, ACK, NONE);
    }

    /** The client acknowledges what the server sent. */
    public void clientAck(long gap) {
        fromClient(gap, clientSeq, serverSeq, ACK, NONE);
    }

    /** The client closes: FIN, the server's FIN, the last ACK. */
    public void close(long gap) {
        fromClient(gap, clientSeq, serverSeq, FIN | ACK, NONE);
        fromServer(gap, serverSeq, clientSeq + 1, FIN | ACK, NONE);
        fromClient(gap, clientSeq + 1, serverSeq + 1, ACK, NONE);
    }

    /** The time of the last frame written. */
    public long nanos() {
        return nanos;
    }

    /** Frames written so far. */
    public long frames() {
        return frames;
    }

    private void fromClient(long gap, int seq, int ack, int flags, byte[] data) {
        write(gap, Frames.tcp(client, clientPort, server, serverPort, seq, ack, flags, data));
    }

    private void fromServer(long gap, int seq, int ack, int flags, byte[] data) {
        write(gap, Frames.tcp(server, serverPort, client, clientPort, seq, ack, flags, data));
    }

    private void write(long gap, byte[] frame) {
        out.write(nanos += gap, frame);
        frames++;
    }
}
