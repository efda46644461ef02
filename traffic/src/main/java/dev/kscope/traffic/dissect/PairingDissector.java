package dev.kscope.traffic.dissect;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The shared shape of request/response protocols over TCP: each direction's bytes are cumulated and handed to
 * the subclass's incremental decoder; finished requests queue up (pipelining) and each finished response is
 * paired with the oldest. Malformed input and capture gaps abort the message being decoded (marked with the
 * problem) and the direction resyncs at the next plausible message start.
 */
public abstract class PairingDissector<Q extends PairingDissector.Part, R extends PairingDissector.Part>
        implements StreamDissector {
    /** Largest undecoded header a direction may hold before the message counts as malformed. */
    protected static final int MAX_BUFFERED = 256 << 10;
    private static final int MAX_PENDING = 1024;

    /** What both requests and responses carry. */
    public static class Part {
        public long startNanos = -1;
        public long endNanos;
        public long bytes;
        public String problem;

        public void problem(String p) {
            if (problem == null) problem = p;
        }
    }

    protected final Conversation conversation;
    private final ByteCumulator fromClientBytes = new ByteCumulator();
    private final ByteCumulator fromServerBytes = new ByteCumulator();
    private boolean resyncClient, resyncServer;
    private final ArrayDeque<Q> pending = new ArrayDeque<>();
    private boolean stopped;
    private StreamDissector successor;

    protected PairingDissector(Conversation conversation) {
        this.conversation = conversation;
    }

    /** Decodes what it can from {@code in} (never empty); returns false when it needs more bytes. */
    protected abstract boolean decode(boolean fromClient, ByteCumulator in, long ts);

    /** Ends the part being decoded in this direction with {@code problem} (if one was started) and resets. */
    protected abstract void abort(boolean fromClient, String problem, long ts);

    /** Offset of the next plausible message start in {@code in}, or -1. */
    protected abstract int findStart(boolean fromClient, ByteCumulator in);

    /** Reports one message; {@code request} or {@code response} may be null (not captured / not answered). */
    protected abstract void emit(Q request, R response);

    /** Whether the decoder can step over a hole (e.g. inside a body of known length) without losing its place. */
    protected boolean absorbGap(boolean fromClient, long missingBytes) {
        return false;
    }

    /** The connection closed: finish a part whose end is the close (HTTP bodies without a length). */
    protected void onEnd(boolean fromClient, long ts) {
        abort(fromClient, "connection closed mid-message", ts);
    }

    protected final Q oldestPending() {
        return pending.peekFirst();
    }

    private void requestDone(Q request) {
        if (pending.size() >= MAX_PENDING) {
            var old = pending.pollFirst();
            old.problem("no response");
            emit(old, null);
        }
        pending.addLast(request);
    }

    private void responseDone(R response) {
        emit(pending.pollFirst(), response);
    }

    /** A request (from the client) or a response ended at {@code ts}: queue or pair it. */
    @SuppressWarnings("unchecked")
    protected final void done(boolean fromClient, Part part, long ts) {
        part.endNanos = ts;
        if (fromClient) requestDone((Q) part);
        else responseDone((R) part);
    }

    /** The message's problem: the request's, else the response's, else "request not captured" when there was none. */
    protected static String problem(Part request, Part response) {
        if (request != null && request.problem != null) return request.problem;
        if (response != null && response.problem != null) return response.problem;
        return request == null ? "request not captured" : null;
    }

    /** For {@link #findStart} in line-based protocols: the first line start (offset 0 or after a LF) that {@code startsHere} accepts, or -1. */
    protected static int lineStart(ByteCumulator in, java.util.function.IntPredicate startsHere) {
        for (int i = 0, n = in.readable(); i < n; i++) {
            if ((i == 0 || in.get(i - 1) == '\n') && startsHere.test(i)) return i;
        }
        return -1;
    }

    /** The oldest request waiting for its response, taken out of the queue (it will be answered elsewhere). */
    protected final Q takeOldestPending() {
        return pending.pollFirst();
    }

    /**
     * The connection carries another protocol from here on, one kscope reads (an HTTP/1.1 upgrade to h2c): both
     * directions' unread bytes, then everything after them, go to {@code next}.
     */
    protected final void switchTo(StreamDissector next, long ts) {
        stopped = true;
        successor = next;
        for (boolean fromClient : new boolean[]{true, false}) {
            var in = fromClient ? fromClientBytes : fromServerBytes;
            if (in.readable() > 0) next.onData(fromClient, MemorySegment.ofArray(in.copy(0, in.readable())), ts);
            in.clear();
        }
    }

    /** The stream stops being this protocol (e.g. after an HTTP upgrade): ignore the rest. */
    protected final void stop() {
        stopped = true;
        fromClientBytes.clear();
        fromServerBytes.clear();
    }

    protected static long latency(Part q, Part r) {
        return q == null || r == null || q.startNanos < 0 ? -1 : Math.max(0, r.endNanos - q.startNanos);
    }

    @Override
    public final void onData(boolean fromClient, MemorySegment data, long ts) {
        if (successor != null) {
            successor.onData(fromClient, data, ts);
            return;
        }
        if (stopped) return;
        var in = fromClient ? fromClientBytes : fromServerBytes;
        in.append(data);
        while (!stopped && in.readable() > 0) {
            if (fromClient ? resyncClient : resyncServer) {
                int at = findStart(fromClient, in);
                if (at < 0) {
                    in.skip(Math.max(0, in.readable() - 16)); // keep a tail: a start may straddle pieces
                    return;
                }
                in.skip(at);
                if (fromClient) resyncClient = false;
                else resyncServer = false;
            }
            try {
                if (!decode(fromClient, in, ts)) {
                    if (in.readable() > MAX_BUFFERED) throw new Malformed("header larger than " + (MAX_BUFFERED >> 10) + " KiB");
                    return;
                }
            } catch (Malformed m) {
                abort(fromClient, "malformed: " + m.getMessage(), ts);
                in.skip(Math.min(1, in.readable()));
                if (fromClient) resyncClient = true;
                else resyncServer = true;
            }
        }
    }

    @Override
    public final void onGap(boolean fromClient, long missingBytes, long ts) {
        if (successor != null) successor.onGap(fromClient, missingBytes, ts);
        if (stopped) return;
        var in = fromClient ? fromClientBytes : fromServerBytes;
        if (in.readable() == 0 && absorbGap(fromClient, missingBytes)) return;
        abort(fromClient, "gap in capture (" + missingBytes + " bytes missing)", ts);
        in.clear();
        if (fromClient) resyncClient = true;
        else resyncServer = true;
    }

    @Override
    public final void onClose(long ts) {
        if (successor != null) successor.onClose(ts);
        if (!stopped) {
            onEnd(true, ts);
            onEnd(false, ts);
        }
        while (!pending.isEmpty()) {
            var q = pending.pollFirst();
            q.problem("no response");
            emit(q, null);
        }
    }
}
