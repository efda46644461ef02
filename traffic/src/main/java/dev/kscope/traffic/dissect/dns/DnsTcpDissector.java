package dev.kscope.traffic.dissect.dns;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.PairingDissector;

/** DNS over TCP: 2-byte length-prefixed messages; answers pair with queries in order. */
final class DnsTcpDissector extends PairingDissector<DnsTcpDissector.Part2, DnsTcpDissector.Part2> {
    static final class Part2 extends Part {
        DnsMessage message;
    }

    private long firstByteClient = -1, firstByteServer = -1;

    DnsTcpDissector(Conversation conversation) {
        super(conversation);
    }

    @Override
    protected boolean decode(boolean fromClient, ByteCumulator in, long ts) {
        if (fromClient && firstByteClient < 0) firstByteClient = ts;
        if (!fromClient && firstByteServer < 0) firstByteServer = ts;
        if (in.readable() < 2) return false;
        int len = in.u16(0);
        if (in.readable() < 2 + len) return false;
        var p = new Part2();
        p.startNanos = fromClient ? firstByteClient : firstByteServer;
        p.bytes = 2 + len;
        if (fromClient) firstByteClient = -1;
        else firstByteServer = -1;
        try {
            p.message = DnsMessage.parse(in.copy(2, 2 + len), 0, len);
        } catch (dev.kscope.traffic.dissect.Malformed e) {
            p.problem = "malformed: " + e.getMessage(); // its length is known: the next message is in place
        }
        in.skip(2 + len);
        done(fromClient, p, ts);
        return true;
    }

    @Override
    protected void abort(boolean fromClient, String problem, long ts) {
        long first = fromClient ? firstByteClient : firstByteServer;
        if (first < 0 && !problem.startsWith("malformed")) return;
        var p = new Part2();
        p.startNanos = first < 0 ? ts : first;
        p.problem = problem;
        if (fromClient) firstByteClient = -1;
        else firstByteServer = -1;
        done(fromClient, p, ts);
    }

    @Override
    protected int findStart(boolean fromClient, ByteCumulator in) {
        return 0; // the length prefix already moved us past the bad message
    }

    @Override
    protected void emit(Part2 q, Part2 r) {
        var qm = q == null ? null : q.message;
        var rm = r == null ? null : r.message;
        var any = qm != null ? qm : rm;
        conversation.emit("dns", q != null ? q.startNanos : r.startNanos, latency(q, r), q == null ? 0 : q.bytes,
                r == null ? 0 : r.bytes, any == null ? "(malformed DNS)" : DnsMessages.summary(qm, rm),
                rm == null ? "" : DnsMessage.rcodeName(rm.rcode()), rm != null && rm.rcode() != 0, problem(q, r),
                any == null ? java.util.Map.of("dns", java.util.Map.of()) : DnsMessages.details(qm, rm));
    }
}
