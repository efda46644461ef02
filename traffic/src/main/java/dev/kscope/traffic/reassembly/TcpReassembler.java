package dev.kscope.traffic.reassembly;

import dev.kscope.traffic.decode.DecodedPacket;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Puts TCP segments back in order per connection and direction. In-order data is handed on without copying;
 * only segments that arrive ahead of a hole are copied and held (bounded per direction). A hole becomes a
 * gap, and the stream resyncs after it, when the receiver has already acknowledged bytes past it (the
 * capture lost them, no retransmission will come), when the held bytes exceed the bound, or when the
 * connection ends. Connections already open when the capture started are picked up at the first data seen.
 */
public final class TcpReassembler {
    private final Function<ConnectionInfo, StreamListener> listeners;
    private final Map<FlowKey, Connection> connections = new HashMap<>();
    private final long maxHeldBytesPerDirection;
    private final long idleTimeoutNanos;
    private final int maxConnections;
    private long nextId = 1;
    private long lastSweepNanos;
    private final Stats stats = new Stats();

    public static final class Stats {
        public long segments, retransmittedBytes, gaps, gapBytes, connections, evicted;
    }

    public TcpReassembler(Function<ConnectionInfo, StreamListener> listeners) {
        this(listeners, 4 << 20, 120_000_000_000L, 200_000);
    }

    public TcpReassembler(Function<ConnectionInfo, StreamListener> listeners, long maxHeldBytesPerDirection,
                          long idleTimeoutNanos, int maxConnections) {
        this.listeners = listeners;
        this.maxHeldBytesPerDirection = maxHeldBytesPerDirection;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.maxConnections = maxConnections;
    }

    public Stats stats() {
        return stats;
    }

    public int openConnections() {
        return connections.size();
    }

    public void onSegment(DecodedPacket p) {
        stats.segments++;
        boolean fromA = FlowKey.isA(p);
        var key = FlowKey.of(p);
        var c = connections.get(key);
        int len = (int) p.payload.byteSize();
        if (c == null) {
            if (p.is(DecodedPacket.RST) || (len == 0 && !p.is(DecodedPacket.SYN))) return; // nothing to follow yet
            if (connections.size() >= maxConnections) evictOldest();
            boolean syn = p.is(DecodedPacket.SYN);
            boolean clientIsA = syn ? (fromA != p.is(DecodedPacket.ACK)) : guessClientIsA(key);
            var info = new ConnectionInfo(nextId++, key, clientIsA, syn, p.timestampNanos);
            c = new Connection(info, listeners.apply(info));
            connections.put(key, c);
            stats.connections++;
        }
        c.lastSeenNanos = p.timestampNanos;
        var from = fromA ? c.a : c.b;
        var to = fromA ? c.b : c.a;
        if (p.is(DecodedPacket.ACK) && to.started) to.peerAcked(p.ack);
        if (p.is(DecodedPacket.SYN)) {
            from.start(p.seq + 1);
        } else if (len > 0 || p.payloadCut > 0) {
            if (!from.started) from.start(p.seq);
            from.segment(p.seq, p.payload, p.payloadCut, p.timestampNanos);
        }
        if (p.is(DecodedPacket.FIN)) from.fin(p.seq + len);
        if (p.is(DecodedPacket.RST) || (c.a.finDelivered && c.b.finDelivered)) {
            close(c, p.timestampNanos);
        }
        if (p.timestampNanos - lastSweepNanos > 10_000_000_000L) sweep(p.timestampNanos);
    }

    /** Flushes every connection (end of capture). */
    public void finish() {
        for (var c : new ArrayList<>(connections.values())) close(c, c.lastSeenNanos);
    }

    private void close(Connection c, long ts) {
        connections.remove(c.info.key());
        c.a.flush(ts);
        c.b.flush(ts);
        c.listener.onClose(ts);
    }

    private void sweep(long now) {
        lastSweepNanos = now;
        for (var c : new ArrayList<>(connections.values())) {
            if (now - c.lastSeenNanos > idleTimeoutNanos) {
                stats.evicted++;
                close(c, c.lastSeenNanos);
            }
        }
    }

    private void evictOldest() {
        Connection oldest = null;
        for (var c : connections.values()) if (oldest == null || c.lastSeenNanos < oldest.lastSeenNanos) oldest = c;
        if (oldest != null) {
            stats.evicted++;
            close(oldest, oldest.lastSeenNanos);
        }
    }

    /** Without a SYN: the side on the well-known (smaller) port is the server. Dissectors may still swap roles. */
    private static boolean guessClientIsA(FlowKey k) {
        return k.aPort() > k.bPort();
    }

    private final class Connection {
        final ConnectionInfo info;
        final StreamListener listener;
        final Direction a, b;
        long lastSeenNanos;

        Connection(ConnectionInfo info, StreamListener listener) {
            this.info = info;
            this.listener = listener;
            this.a = new Direction(this, info.clientIsA());
            this.b = new Direction(this, !info.clientIsA());
        }
    }

    /** One direction's byte stream. Positions are 64-bit offsets; seq numbers are compared modulo 2^32. */
    private final class Direction {
        final Connection conn;
        final boolean fromClient;
        boolean started;
        int nextSeq;            // the seq of the next byte to deliver
        long nextPos;           // its stream offset
        final TreeMap<Long, byte[]> held = new TreeMap<>();
        long heldBytes;
        long ackedPos = -1;     // furthest stream offset the receiver acknowledged
        long finPos = -1;
        boolean finDelivered;

        Direction(Connection conn, boolean fromClient) {
            this.conn = conn;
            this.fromClient = fromClient;
        }

        void start(int seq) {
            if (started) return;
            started = true;
            nextSeq = seq;
        }

        long posOf(int seq) {
            return nextPos + (seq - nextSeq);
        }

        void peerAcked(int ack) {
            long pos = posOf(ack);
            if (pos > ackedPos) ackedPos = pos;
            // The receiver has bytes we never saw: the capture lost them and no retransmission will come.
            // (A capture point sees data before the ACK for it; the ACK of a FIN covers one more, phantom byte.)
            long end = finPos >= 0 ? Math.min(ackedPos, finPos) : ackedPos;
            if (end > nextPos) {
                skipTo(held.isEmpty() ? end : Math.min(end, held.firstKey()), conn.lastSeenNanos);
                drain(conn.lastSeenNanos);
            }
        }

        void segment(int seq, MemorySegment payload, int cut, long ts) {
            long pos = posOf(seq);
            long len = payload.byteSize();
            long end = pos + len;
            if (end <= nextPos && cut == 0) {
                stats.retransmittedBytes += len;
                return;
            }
            if (pos <= nextPos) {
                long skip = nextPos - pos;
                stats.retransmittedBytes += skip;
                if (end > nextPos) deliver(payload.asSlice(skip), ts);
                if (cut > 0) skipTo(nextPos + cut, ts); // the snap length cut the tail: a known hole
                drain(ts);
                return;
            }
            // Ahead of a hole.
            if (ackedPos >= pos) {
                skipTo(pos, ts);
                segment(seq, payload, cut, ts);
                return;
            }
            var prev = held.get(pos);
            if (prev == null || prev.length < len) {
                if (prev != null) heldBytes -= prev.length;
                held.put(pos, payload.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                heldBytes += len;
            }
            if (heldBytes > maxHeldBytesPerDirection) {
                skipTo(held.firstKey(), ts);
                drain(ts);
            }
        }

        void fin(int seq) {
            finPos = posOf(seq);
            maybeFinDelivered();
        }

        void flush(long ts) {
            while (!held.isEmpty()) {
                skipTo(held.firstKey(), ts);
                drain(ts);
            }
        }

        private void drain(long ts) {
            while (!held.isEmpty() && held.firstKey() <= nextPos) {
                var e = held.pollFirstEntry();
                heldBytes -= e.getValue().length;
                long end = e.getKey() + e.getValue().length;
                if (end > nextPos) {
                    int skip = (int) (nextPos - e.getKey());
                    deliver(MemorySegment.ofArray(e.getValue()).asSlice(skip), ts);
                }
            }
        }

        private void deliver(MemorySegment data, long ts) {
            nextPos += data.byteSize();
            nextSeq += (int) data.byteSize();
            conn.listener.onData(fromClient, data, ts);
            maybeFinDelivered();
        }

        private void skipTo(long pos, long ts) {
            if (pos <= nextPos) return;
            long missing = pos - nextPos;
            stats.gaps++;
            stats.gapBytes += missing;
            nextSeq += (int) missing;
            nextPos = pos;
            conn.listener.onGap(fromClient, missing, ts);
        }

        private void maybeFinDelivered() {
            if (finPos >= 0 && nextPos >= finPos) finDelivered = true;
        }
    }
}
