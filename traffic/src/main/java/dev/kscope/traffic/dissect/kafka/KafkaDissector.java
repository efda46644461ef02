package dev.kscope.traffic.dissect.kafka;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.PairingDissector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Kafka requests and responses (size-prefixed, paired in order and checked by correlation id). Every API is
 * named; Produce, Fetch and Metadata are read further: topics, partition counts, record bytes, error codes.
 * Large requests/responses (record batches) stream through; only their first 64 KiB are parsed.
 */
final class KafkaDissector extends PairingDissector<KafkaDissector.Frame, KafkaDissector.Frame> {
    private static final int MAX_PARSED = 64 << 10;

    static final class Frame extends Part {
        int apiKey = -1, apiVersion, correlationId;
        String clientId;
        final List<String> topics = new ArrayList<>();
        int partitions;
        long recordBytes;
        int errorCode;
        String parseNote;
    }

    private static final class Half {
        long remaining;      // bytes of the current frame still to skip (beyond what was parsed)
        Frame frame;
        long firstByte = -1;
    }

    private final Half client = new Half(), server = new Half();

    KafkaDissector(Conversation conversation) {
        super(conversation);
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
        var f = new Frame();
        f.startNanos = h.firstByte;
        f.bytes = 4 + size;
        var r = new Reader(in, 4, 4 + parse);
        if (fromClient) request(f, r);
        else response(f, r);
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

    private static void request(Frame f, Reader r) {
        f.apiKey = r.i16();
        f.apiVersion = r.i16();
        f.correlationId = r.i32();
        f.clientId = r.string();
        if (KafkaApis.name(f.apiKey) == null) throw new Malformed("unknown API key " + f.apiKey);
        boolean flex = KafkaApis.flexible(f.apiKey, f.apiVersion);
        if (flex) r.taggedFields();
        try {
            switch (f.apiKey) {
                case KafkaApis.PRODUCE -> {
                    if (f.apiVersion >= 3) r.nullableString(flex);
                    r.i16(); // acks
                    r.i32(); // timeout
                    int topics = r.arrayLength(flex);
                    for (int t = 0; t < topics; t++) {
                        addTopic(f, f.apiVersion >= 13 ? r.uuid() : r.string(flex));
                        int parts = r.arrayLength(flex);
                        f.partitions += parts;
                        for (int p = 0; p < parts; p++) {
                            r.i32();
                            int len = flex ? (int) r.uvarint() - 1 : r.i32();
                            if (len > 0) {
                                f.recordBytes += len;
                                r.skip(len);
                            }
                            if (flex) r.taggedFields();
                        }
                        if (flex) r.taggedFields();
                    }
                }
                case KafkaApis.FETCH -> {
                    if (f.apiVersion <= 14) r.i32(); // replica id
                    r.i32();
                    r.i32();
                    if (f.apiVersion >= 3) r.i32();
                    if (f.apiVersion >= 4) r.i8();
                    if (f.apiVersion >= 7) {
                        r.i32();
                        r.i32();
                    }
                    int topics = r.arrayLength(flex);
                    for (int t = 0; t < topics; t++) {
                        addTopic(f, f.apiVersion >= 13 ? r.uuid() : r.string(flex));
                        int parts = r.arrayLength(flex);
                        f.partitions += parts;
                        for (int p = 0; p < parts; p++) {
                            r.i32(); // partition
                            if (f.apiVersion >= 9) r.i32(); // current leader epoch
                            r.i64(); // fetch offset
                            if (f.apiVersion >= 12) r.i32(); // last fetched epoch
                            if (f.apiVersion >= 5) r.i64(); // log start offset
                            r.i32(); // partition max bytes
                            if (f.apiVersion >= 17) r.uuid(); // replica directory id
                            if (flex) r.taggedFields();
                        }
                        if (flex) r.taggedFields();
                    }
                }
                case KafkaApis.METADATA -> {
                    int topics = r.arrayLength(flex);
                    for (int t = 0; t < topics; t++) {
                        if (f.apiVersion >= 10) r.uuid();
                        var name = r.nullableString(flex);
                        if (name != null) addTopic(f, name);
                        if (flex) r.taggedFields();
                    }
                }
                default -> {
                }
            }
        } catch (Malformed e) {
            f.parseNote = "body not fully parsed: " + e.getMessage();
        }
    }

    private static void addTopic(Frame f, String topic) {
        if (f.topics.size() < 32 && !f.topics.contains(topic)) f.topics.add(topic);
    }

    private void response(Frame f, Reader r) {
        f.correlationId = r.i32();
        var q = oldestPending();
        if (q == null || q.correlationId != f.correlationId) return; // paired (or flagged) in emit
        f.apiKey = q.apiKey;
        f.apiVersion = q.apiVersion;
        boolean flex = KafkaApis.flexible(q.apiKey, q.apiVersion);
        if (KafkaApis.flexibleResponseHeader(q.apiKey, q.apiVersion)) r.taggedFields();
        try {
            switch (q.apiKey) {
                case KafkaApis.PRODUCE -> {
                    int topics = r.arrayLength(flex);
                    for (int t = 0; t < topics && f.errorCode == 0; t++) {
                        if (q.apiVersion >= 13) r.uuid();
                        else r.string(flex);
                        int parts = r.arrayLength(flex);
                        if (parts > 0) {
                            r.i32();
                            f.errorCode = r.i16();
                        }
                        break; // the first partition's layout is all we read: later fields vary by version
                    }
                }
                case KafkaApis.FETCH -> {
                    if (q.apiVersion >= 1) r.i32(); // throttle
                    if (q.apiVersion >= 7) {
                        f.errorCode = r.i16();
                        r.i32(); // session id
                    }
                    if (f.errorCode == 0) {
                        int topics = r.arrayLength(flex);
                        if (topics > 0) {
                            if (q.apiVersion >= 13) r.uuid();
                            else r.string(flex);
                            if (r.arrayLength(flex) > 0) {
                                r.i32();
                                f.errorCode = r.i16();
                            }
                        }
                    }
                }
                case KafkaApis.API_VERSIONS -> f.errorCode = r.i16();
                default -> {
                }
            }
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
            h.frame = new Frame();
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
    protected void emit(Frame q, Frame r) {
        var k = new LinkedHashMap<String, Object>();
        String summary;
        if (q != null && q.apiKey >= 0) {
            var api = KafkaApis.name(q.apiKey);
            k.put("api", api);
            k.put("api_version", (long) q.apiVersion);
            k.put("correlation_id", (long) q.correlationId);
            if (q.clientId != null) k.put("client_id", q.clientId);
            k.put("topics", new ArrayList<>(new LinkedHashSet<>(q.topics)));
            if (q.apiKey == KafkaApis.PRODUCE || q.apiKey == KafkaApis.FETCH) k.put("partitions", (long) q.partitions);
            if (q.apiKey == KafkaApis.PRODUCE) k.put("record_bytes", q.recordBytes);
            summary = api + " v" + q.apiVersion + (q.topics.isEmpty() ? "" : " " + String.join(",", q.topics));
        } else {
            summary = "(request not captured)";
        }
        String problem = problem(q, r);
        if (problem == null && r != null && q != null && r.correlationId != q.correlationId) {
            problem = "response correlation id " + r.correlationId + " does not match request " + q.correlationId;
        }
        String status = "";
        boolean error = false;
        if (r != null && problem == null) {
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

    /** Kafka primitive types over the held bytes of one frame; running past them is Malformed. */
    private static final class Reader {
        final ByteCumulator in;
        int pos;
        final int end;

        Reader(ByteCumulator in, int pos, int end) {
            this.in = in;
            this.pos = pos;
            this.end = end;
        }

        void need(int n) {
            if (n < 0 || n > end - pos) throw new Malformed("field runs past the frame"); // no pos + n: it can overflow
        }

        int i8() {
            need(1);
            return (byte) in.get(pos++);
        }

        int i16() {
            need(2);
            int v = (short) in.u16(pos);
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = in.i32(pos);
            pos += 4;
            return v;
        }

        long i64() {
            return ((long) i32() << 32) | (i32() & 0xFFFFFFFFL);
        }

        long uvarint() {
            long v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = i8() & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new Malformed("varint too long");
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        String string() {
            return string(false);
        }

        String string(boolean compact) {
            var s = nullableString(compact);
            return s == null ? "" : s;
        }

        String nullableString(boolean compact) {
            int len = compact ? (int) uvarint() - 1 : i16();
            if (len < 0) return null;
            need(len);
            var s = in.utf8(pos, pos + len);
            pos += len;
            return s;
        }

        String uuid() {
            long hi = i64(), lo = i64();
            return new java.util.UUID(hi, lo).toString();
        }

        int arrayLength(boolean compact) {
            int n = compact ? (int) uvarint() - 1 : i32();
            if (n > 100_000) throw new Malformed("array of " + n);
            return Math.max(n, 0);
        }

        void taggedFields() {
            int n = (int) uvarint();
            for (int i = 0; i < n; i++) {
                uvarint();
                skip((int) uvarint());
            }
        }
    }
}
