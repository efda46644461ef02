package dev.kscope.traffic.dissect.redis;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.PairingDissector;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RESP2/RESP3 as a streaming state machine: aggregates are tracked as a stack of remaining element counts and
 * bulk strings are skipped as they arrive (only the first bytes kept), so a 512 MB value costs no memory.
 * Replies pair with commands in order; RESP3 pushes (pub/sub) and attributes are not replies.
 */
final class RedisDissector extends PairingDissector<RedisDissector.Value, RedisDissector.Value> {
    private static final int MAX_DEPTH = 32;
    private static final int MAX_KEPT_ITEMS = 8;
    private static final int MAX_ITEM_CHARS = 128;
    private static final long MAX_BULK = 512L << 20;

    static final class Value extends Part {
        char type;                        // of the top-level value
        final List<String> items = new ArrayList<>();  // first leaf values, for display
        long elements = -1;               // top-level aggregate size
        boolean nil;
    }

    private static final class Half {
        Value value;
        final long[] remaining = new long[MAX_DEPTH]; // elements left per open aggregate
        int depth;
        long bulkLeft = -1;               // >= 0 while inside a bulk string (incl. its CRLF)
        StringBuilder bulkText;
        boolean skipTop;                  // attribute or push: not a reply

        void reset() {
            value = null;
            depth = 0;
            bulkLeft = -1;
            bulkText = null;
            skipTop = false;
        }
    }

    private final Half client = new Half();
    private final Half server = new Half();

    RedisDissector(Conversation conversation) {
        super(conversation);
    }

    @Override
    protected boolean decode(boolean fromClient, ByteCumulator in, long ts) {
        var h = fromClient ? client : server;
        if (h.value == null) {
            h.value = new Value();
            h.value.startNanos = ts;
        }
        var v = h.value;
        if (h.bulkLeft >= 0) {
            int n = (int) Math.min(h.bulkLeft, in.readable());
            for (int i = 0; i < n && h.bulkText != null && h.bulkText.length() < MAX_ITEM_CHARS && h.bulkLeft - i > 2; i++) {
                h.bulkText.append((char) in.get(i));
            }
            in.skip(n);
            v.bytes += n;
            h.bulkLeft -= n;
            if (h.bulkLeft > 0) return false;
            if (h.bulkText != null) keep(v, h.bulkText.toString());
            h.bulkLeft = -1;
            h.bulkText = null;
            leafDone(fromClient, h, ts);
            return true;
        }
        int eol = in.indexOfCrlf(0);
        if (eol < 0) {
            if (in.readable() > 64 << 10) throw new Malformed("RESP line longer than 64 KiB");
            return false;
        }
        int t = in.get(0);
        boolean top = h.depth == 0;
        if (top && fromClient && t != '*') { // inline command: PING\r\n
            var line = in.utf8(0, eol).strip();
            if (line.isEmpty() || !line.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) throw new Malformed("bad inline command");
            v.type = '*';
            for (var w : line.split(" +")) keep(v, w);
            in.skip(eol + 2);
            v.bytes += eol + 2;
            finish(fromClient, h, ts);
            return true;
        }
        if (eol == 0) throw new Malformed("empty RESP line");
        var arg = in.ascii(1, eol);
        in.skip(eol + 2);
        v.bytes += eol + 2;
        if (top) {
            v.type = (char) t;
            h.skipTop = t == '>' || t == '|';
        }
        switch (t) {
            case '+', '-', ':', ',', '(', '#', '_' -> {
                if (top && t == '_') v.nil = true;
                keep(v, t == '-' ? "ERR:" + arg : arg);
                leafDone(fromClient, h, ts);
            }
            case '$', '!', '=' -> {
                long len = number(arg);
                if (len == -1) {
                    if (top) v.nil = true;
                    leafDone(fromClient, h, ts);
                } else if (len < 0 || len > MAX_BULK) {
                    throw new Malformed("bad bulk length " + arg);
                } else {
                    h.bulkLeft = len + 2;
                    h.bulkText = v.items.size() < MAX_KEPT_ITEMS ? new StringBuilder(t == '!' ? "ERR:" : "") : null;
                }
            }
            case '*', '%', '~', '>', '|' -> {
                long count = number(arg);
                if (count < -1 || count > 1 << 24) throw new Malformed("bad aggregate length " + arg);
                if (t == '%' || t == '|') count *= 2;
                if (top) v.elements = count;
                if (count <= 0) {
                    if (top && count == -1) v.nil = true;
                    leafDone(fromClient, h, ts);
                } else {
                    if (h.depth >= MAX_DEPTH) throw new Malformed("RESP nesting deeper than " + MAX_DEPTH);
                    h.remaining[h.depth++] = count;
                }
            }
            default -> throw new Malformed("unknown RESP type byte 0x" + Integer.toHexString(t));
        }
        return true;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new Malformed("bad RESP length '" + (s.length() > 20 ? s.substring(0, 20) : s) + "'");
        }
    }

    private static void keep(Value v, String s) {
        if (v.items.size() < MAX_KEPT_ITEMS) v.items.add(s.length() > MAX_ITEM_CHARS ? s.substring(0, MAX_ITEM_CHARS) : s);
    }

    /** A complete element: pop finished aggregates; a finished top-level value is a command or reply. */
    private void leafDone(boolean fromClient, Half h, long ts) {
        while (h.depth > 0) {
            if (--h.remaining[h.depth - 1] > 0) return;
            h.depth--;
        }
        if (h.skipTop) {
            h.reset();
            return;
        }
        finish(fromClient, h, ts);
    }

    private void finish(boolean fromClient, Half h, long ts) {
        var v = h.value;
        h.reset();
        done(fromClient, v, ts);
    }

    @Override
    protected void abort(boolean fromClient, String problem, long ts) {
        var h = fromClient ? client : server;
        if (h.value == null) return;
        h.value.problem(problem);
        finish(fromClient, h, ts);
    }

    @Override
    protected int findStart(boolean fromClient, ByteCumulator in) {
        return lineStart(in, i -> fromClient ? in.get(i) == '*' : "+-:$*%_#,(!=~>".indexOf(in.get(i)) >= 0);
    }

    @Override
    protected void emit(Value q, Value r) {
        var redis = new LinkedHashMap<String, Object>();
        String summary;
        if (q != null && !q.items.isEmpty()) {
            var cmd = q.items.getFirst().toUpperCase(Locale.ROOT);
            redis.put("command", cmd);
            redis.put("args", q.items.subList(1, q.items.size()));
            summary = String.join(" ", q.items);
            if (q.elements > q.items.size()) summary += " ...(" + q.elements + " args)";
        } else {
            summary = q == null ? "(request not captured)" : "(malformed command)";
        }
        String status = "";
        boolean error = false;
        if (r != null && r.type != 0) {
            error = r.type == '-' || r.type == '!';
            status = error ? "ERR" : "OK";
            redis.put("reply_type", switch (r.type) {
                case '+' -> "simple";
                case '-', '!' -> "error";
                case ':' -> "integer";
                case '$', '=' -> "bulk";
                case '*' -> "array";
                case '%' -> "map";
                case '~' -> "set";
                case '_' -> "null";
                case '#' -> "boolean";
                case ',' -> "double";
                case '(' -> "bignum";
                default -> String.valueOf(r.type);
            });
            if (r.nil) redis.put("reply", "(nil)");
            else if (r.elements >= 0) redis.put("reply", "(" + r.elements / (r.type == '%' ? 2 : 1) + " elements) " + String.join(" ", r.items));
            else if (!r.items.isEmpty()) redis.put("reply", r.items.getFirst().startsWith("ERR:") ? r.items.getFirst().substring(4) : r.items.getFirst());
            if (error) redis.put("error", redis.get("reply"));
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("redis", redis);
        conversation.emit("redis", q != null ? q.startNanos : r.startNanos, latency(q, r), q == null ? 0 : q.bytes,
                r == null ? 0 : r.bytes, summary, status, error, problem(q, r), details);
    }
}
