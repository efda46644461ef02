package dev.kscope.traffic.dissect.dns;

import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.message.MessageSink;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Pairs DNS datagrams by (client, server, id); unanswered queries are reported after a timeout. */
final class DnsDatagramDissector implements dev.kscope.traffic.dissect.DatagramDissector {
    private static final int MAX_PENDING = 65536;

    private record Key(String clientIp, int clientPort, String serverIp, int serverPort, int id) {
    }

    private record Pending(DnsMessage query, Endpoint client, Endpoint server, long ts, int size) {
    }

    private final MessageSink sink;
    private final AtomicLong ids;
    private final LinkedHashMap<Key, Pending> pending = new LinkedHashMap<>();

    DnsDatagramDissector(MessageSink sink, AtomicLong ids) {
        this.sink = sink;
        this.ids = ids;
    }

    @Override
    public void onDatagram(Endpoint src, Endpoint dst, MemorySegment data, long ts) {
        int size = (int) data.byteSize();
        DnsMessage m;
        try {
            m = DnsMessage.parse(data.toArray(ValueLayout.JAVA_BYTE), 0, size);
        } catch (Malformed e) {
            emit(src, dst, ts, -1, size, 0, "(malformed DNS)", "", true, "malformed: " + e.getMessage(), Map.of("dns", Map.of()));
            return;
        }
        if (!m.response()) {
            if (pending.size() >= MAX_PENDING) expireOldest();
            pending.put(new Key(src.ip(), src.port(), dst.ip(), dst.port(), m.id()), new Pending(m, src, dst, ts, size));
            return;
        }
        var p = pending.remove(new Key(dst.ip(), dst.port(), src.ip(), src.port(), m.id()));
        if (p == null) {
            emit(dst, src, ts, -1, 0, size, DnsMessages.summary(null, m), DnsMessage.rcodeName(m.rcode()), m.rcode() != 0,
                    "request not captured", DnsMessages.details(null, m));
        } else {
            emit(p.client, p.server, p.ts, ts - p.ts, p.size, size, DnsMessages.summary(p.query, m),
                    DnsMessage.rcodeName(m.rcode()), m.rcode() != 0, null, DnsMessages.details(p.query, m));
        }
    }

    private void emit(Endpoint client, Endpoint server, long start, long latency, long reqBytes, long respBytes,
                      String summary, String status, boolean error, String problem, Map<String, Object> details) {
        sink.accept(new Message(ids.getAndIncrement(), "dns", client, server, start, latency, reqBytes, respBytes,
                summary, status, error, problem, details));
    }

    private void report(Pending p) {
        emit(p.client, p.server, p.ts, -1, p.size, 0, DnsMessages.summary(p.query, null), "", false, "no response",
                DnsMessages.details(p.query, null));
    }

    private void expireOldest() {
        Iterator<Pending> it = pending.values().iterator();
        report(it.next());
        it.remove();
    }

    @Override
    public void expire(long olderThanNanos) {
        for (var it = pending.values().iterator(); it.hasNext(); ) {
            var p = it.next();
            if (p.ts >= olderThanNanos) break; // insertion order is time order
            report(p);
            it.remove();
        }
    }

    @Override
    public void finish() {
        for (var p : pending.values()) report(p);
        pending.clear();
    }
}
