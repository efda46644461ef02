package dev.kscope.traffic.dissect.kafka;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.PairingDissector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka requests and responses (size-prefixed, paired in order and checked by correlation id). Every API is
 * named; the bodies of the main data-path APIs are read (see {@link KafkaBodies}). Large requests/responses
 * (record batches) stream through; only their first 64 KiB are parsed.
 */
final class KafkaDissector extends PairingDissector<KafkaFrame, KafkaFrame> {
    private static final int MAX_PARSED = 64 << 10;

    private static final class Half {
        long remaining;      // bytes of the current frame still to skip (beyond what was parsed)
        KafkaFrame frame;
        long firstByte = -1;
    }

    private final Half client = new Half(), server = new Half();
    private final TopicNames names;

    KafkaDissector(Conversation conversation, TopicNames names) {
        super(conversation);
        this.names = names;
    }

    @Override
    protected boolean decode(boolean fromClient, ByteCumulator in, long ts) {
        var h = fromClient ? client : server;
        if (h.firstByte < 0) h.firstByte = ts;
        if (h.remaining > 0) {
            int n = (int) Math.min(h.remaining, in.readable());
            in.skip(n);
            h.remaining -= n;
            if (h.remaining > 0) return false;
            done(fromClient, h, ts);
            return true;
        }
        if (in.readable() < 4) return false;
        long size = Integer.toUnsignedLong(in.i32(0));
        if (size < 4 || size > 1L << 30) throw new Malformed("frame size " + size);
        int parse = (int) Math.min(size, MAX_PARSED);
        if (in.readable() < 4 + parse) return false;
        var f = new KafkaFrame();
        f.startNanos = h.firstByte;
        f.bytes = 4 + size;
        var r = new KafkaReader(in, 4, 4 + parse, false);
        if (fromClient) request(f, r);
        else response(f, r);
        if (f.parseNote != null && size > parse) {
            f.parseNote = "only the first " + (MAX_PARSED >> 10) + " KiB of " + size + " bytes read: counts are partial";
        }
        h.frame = f;
        in.skip(4 + parse);
        h.remaining = size - parse;
        if (h.remaining > 0) return true;
        done(fromClient, h, ts);
        return true;
    }

    private void done(boolean fromClient, Half h, long ts) {
        var f = h.frame;
        h.frame = null;
        h.firstByte = -1;
        done(fromClient, f, ts);
    }

    private static void request(KafkaFrame f, KafkaReader r) {
        f.apiKey = r.i16();
        f.apiVersion = r.i16();
        f.correlationId = r.i32();
        f.clientId = r.headerString();
        if (KafkaApis.name(f.apiKey) == null) throw new Malformed("unknown API key " + f.apiKey);
        boolean flex = KafkaApis.flexible(f.apiKey, f.apiVersion);
        var body = r.flexible(flex);
        body.tags();
        try {
            KafkaBodies.request(f, body);
        } catch (Malformed e) {
            f.parseNote = "body not fully parsed: " + e.getMessage();
        }
    }

    private void response(KafkaFrame f, KafkaReader r) {
        f.correlationId = r.i32();
        var q = oldestPending();
        if (q == null || q.correlationId != f.correlationId) return; // paired (or flagged) in emit
        f.apiKey = q.apiKey;
        f.apiVersion = q.apiVersion;
        var body = r.flexible(KafkaApis.flexible(q.apiKey, q.apiVersion));
        if (KafkaApis.flexibleResponseHeader(q.apiKey, q.apiVersion)) body.tags();
        try {
            KafkaBodies.response(q, f, body, names);
        } catch (Malformed e) {
            f.parseNote = "body not fully parsed: " + e.getMessage();
        }
    }

    @Override
    protected void abort(boolean fromClient, String problem, long ts) {
        var h = fromClient ? client : server;
        h.remaining = 0;
        if (h.frame == null && h.firstByte < 0) return;
        if (h.frame == null) {
            h.frame = new KafkaFrame();
            h.frame.startNanos = h.firstByte;
        }
        h.frame.problem(problem);
        done(fromClient, h, ts);
    }

    @Override
    protected int findStart(boolean fromClient, ByteCumulator in) {
        return -1; // no marker to find a frame start by: the connection is not read further after a break
    }

    @Override
    protected void emit(KafkaFrame q, KafkaFrame r) {
        var k = new LinkedHashMap<String, Object>();
        String summary;
        if (q != null && q.apiKey >= 0) {
            var api = KafkaApis.name(q.apiKey);
            k.put("api", api);
            k.put("api_version", (long) q.apiVersion);
            k.put("correlation_id", (long) q.correlationId);
            if (q.clientId != null) k.put("client_id", q.clientId);
            if (!q.groups.isEmpty()) k.put("group", String.join(",", q.groups));
            var topics = topics(q, r);
            k.put("topics", topics);
            var ids = new ArrayList<>(q.topicIds);
            if (r != null) r.topicIds.stream().filter(id -> !ids.contains(id)).forEach(ids::add);
            if (!ids.isEmpty()) k.put("topic_ids", ids);
            var data = q.apiKey == KafkaApis.FETCH ? r : q; // records go out in Produce requests, come back in Fetch responses
            if (KafkaBodies.listsPartitions(q.apiKey)) {
                k.put("partitions", (long) Math.max(q.partitions, r == null ? 0 : r.partitions));
            }
            if (data != null && (q.apiKey == KafkaApis.PRODUCE || q.apiKey == KafkaApis.FETCH)) {
                k.put("records", data.records);
                k.put("record_bytes", data.recordBytes);
                if (!data.compression.isEmpty()) k.put("compression", String.join(",", data.compression));
            }
            if (q.sessionId != null) {
                k.put("session_id", (long) (r != null && r.sessionId != null && q.sessionId == 0 ? r.sessionId : q.sessionId));
                k.put("session_epoch", (long) q.sessionEpoch);
            }
            summary = api + " v" + q.apiVersion + (q.groups.isEmpty() ? "" : " group=" + String.join(",", q.groups))
                    + (topics.isEmpty() ? "" : " " + String.join(",", topics))
                    + (data != null && data.records > 0 ? " (" + data.records + (data.records == 1 ? " record)" : " records)") : "");
        } else {
            summary = "(request not captured)";
        }
        String problem = problem(q, r);
        if (problem == null && r != null && q != null && r.correlationId != q.correlationId) {
            problem = "response correlation id " + r.correlationId + " does not match request " + q.correlationId;
        }
        String status = "";
        boolean error = false;
        if (r != null && problem == null && r.errorKnown) {
            status = KafkaApis.error(r.errorCode);
            error = r.errorCode != 0;
            k.put("error_code", (long) r.errorCode);
            k.put("error", status);
        }
        var note = q != null && q.parseNote != null ? q.parseNote : r != null ? r.parseNote : null;
        if (note != null) k.put("note", note);
        conversation.emit("kafka", q != null ? q.startNanos : r.startNanos, latency(q, r), q == null ? 0 : q.bytes,
                r == null ? 0 : r.bytes, summary, status, error, problem, Map.of("kafka", k));
    }

    /** The request's topics, then the response's (an incremental fetch names only the partitions that changed). */
    private List<String> topics(KafkaFrame q, KafkaFrame r) {
        var out = new ArrayList<String>();
        for (var f : r == null ? List.of(q) : List.of(q, r)) {
            for (var t : f.topics) if (!out.contains(t)) out.add(t);
            for (var id : f.topicIds) if (!out.contains(names.name(id))) out.add(names.name(id));
        }
        return out;
    }
}
