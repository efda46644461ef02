package dev.kscope.traffic.dissect;

import dev.kscope.traffic.reassembly.StreamListener;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Sits on a new TCP connection until its content says which protocol it is, then hands the connection (and
 * the bytes seen so far, in order) to that protocol's dissector. Roles are fixed by the content too: if the
 * side taken for the client sends a response, the conversation's roles are swapped. A direction whose bytes
 * match nothing (a capture that began mid-message) is dropped and probing restarts with its next piece.
 */
public final class ProtocolDetector implements StreamListener {
    private static final int MAX_PROBE_BYTES = 512;
    private static final int MAX_PIECES = 64;

    private record Piece(boolean fromClient, byte[] data, long ts) {
    }

    private final List<Protocol> protocols;
    private final Conversation conversation;
    private final Runnable onUnknown;
    private final List<Piece> held = new ArrayList<>();
    private final ByteCumulator probeClient = new ByteCumulator();
    private final ByteCumulator probeServer = new ByteCumulator();
    private int pieces;
    private StreamDissector dissector;
    private boolean swapped;
    private boolean gaveUp;

    public ProtocolDetector(List<Protocol> protocols, Conversation conversation, Runnable onUnknown) {
        this.protocols = protocols;
        this.conversation = conversation;
        this.onUnknown = onUnknown;
    }

    @Override
    public void onData(boolean fromClient, MemorySegment data, long ts) {
        if (dissector != null) {
            dissector.onData(fromClient != swapped, data, ts);
            return;
        }
        if (gaveUp) return;
        var probe = fromClient ? probeClient : probeServer;
        int take = (int) Math.min(data.byteSize(), MAX_PROBE_BYTES - probe.readable());
        if (take > 0) probe.append(data.asSlice(0, take));
        var piece = new Piece(fromClient, data.toArray(ValueLayout.JAVA_BYTE), ts);
        held.add(piece);
        if (probe(probe, fromClient)) return;
        if (probe.readable() > take) {
            // What came before may be the tail of a message that began before the capture: try this piece alone.
            var fresh = new ByteCumulator();
            fresh.append(data.asSlice(0, Math.min(data.byteSize(), MAX_PROBE_BYTES)));
            if (probe(fresh, fromClient)) return;
        }
        if (!maybe || probe.readable() >= MAX_PROBE_BYTES) {
            probe.clear();
            held.removeIf(p -> p.fromClient == fromClient);
        }
        if (++pieces >= MAX_PIECES) {
            gaveUp = true;
            held.clear();
            onUnknown.run();
        }
    }

    private boolean maybe;

    /** Runs every probe on {@code bytes}; chooses the protocol on a match (dropping pieces before a fresh start). */
    private boolean probe(ByteCumulator bytes, boolean fromClient) {
        maybe = false;
        for (var p : protocols) {
            var v = p.probeStream(bytes, fromClient);
            if (v == Verdict.CLIENT || v == Verdict.SERVER) {
                if (bytes != probeClient && bytes != probeServer) {
                    var last = held.getLast();
                    held.removeIf(x -> x.fromClient == fromClient && x != last);
                }
                choose(p, (v == Verdict.CLIENT) != fromClient);
                return true;
            }
            if (v == Verdict.MORE) maybe = true;
        }
        return false;
    }

    private void choose(Protocol p, boolean swap) {
        swapped = swap;
        if (swap) conversation.swapRoles();
        dissector = p.newStream(conversation);
        for (var piece : held) dissector.onData(piece.fromClient != swapped, MemorySegment.ofArray(piece.data), piece.ts);
        held.clear();
        probeClient.clear();
        probeServer.clear();
    }

    @Override
    public void onGap(boolean fromClient, long missingBytes, long ts) {
        if (dissector != null) {
            dissector.onGap(fromClient != swapped, missingBytes, ts);
        } else {
            (fromClient ? probeClient : probeServer).clear();
            held.removeIf(piece -> piece.fromClient == fromClient);
        }
    }

    @Override
    public void onClose(long ts) {
        if (dissector != null) dissector.onClose(ts);
    }
}
