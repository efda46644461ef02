package dev.kscope.traffic.dissect.http1;

import dev.kscope.traffic.dissect.BodyPreview;
import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.PairingDissector;
import dev.kscope.traffic.dissect.http2.Http2;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.x per RFC 9112: keep-alive and pipelining (responses pair with requests in order), Content-Length,
 * chunked (with trailers) and read-until-close bodies, interim 1xx responses, HEAD/204/304 without body. An
 * upgrade to h2c continues as HTTP/2 (stream 1 answers the upgrade request); other upgrades (101, CONNECT) end
 * the dissection. Bodies stream through: only a preview is kept.
 */
final class Http1Dissector extends PairingDissector<Http1Dissector.Request, Http1Dissector.Response> {
    private static final int MAX_HEADER_BYTES = 64 << 10;
    private static final int MAX_HEADERS = 256;

    static class Head extends Part {
        String version;
        final Map<String, String> headers = LinkedHashMap.newLinkedHashMap(12);
        final BodyPreview body = new BodyPreview();
        long bodyBytes;

        String header(String name) {
            return headers.get(name);
        }
    }

    static final class Request extends Head {
        String method, target;
    }

    static final class Response extends Head {
        int status = -1;
        String reason;
    }

    private enum State {START, LENGTH_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE}

    /** One direction's decoding state. */
    private static final class Half {
        State state = State.START;
        Head part;
        long firstByteNanos = -1;
        long remaining;
        int scanned;  // header bytes already searched for the blank line
        String startLine; // of a header still incomplete, to name the message if it never completes

        void reset() {
            state = State.START;
            part = null;
            firstByteNanos = -1;
            remaining = 0;
            scanned = 0;
            startLine = null;
        }
    }

    private final Half client = new Half();
    private final Half server = new Half();

    Http1Dissector(Conversation conversation) {
        super(conversation);
    }

    @Override
    protected boolean decode(boolean fromClient, ByteCumulator in, long ts) {
        var h = fromClient ? client : server;
        switch (h.state) {
            case START -> {
                if (h.firstByteNanos < 0) h.firstByteNanos = ts;
                if (!fromClient && in.readable() >= Http1.STATUS_PREFIX.length && !in.startsWith(0, Http1.STATUS_PREFIX)) {
                    // e.g. a body sent after a HEAD response (busybox httpd does): not a message
                    throw new Malformed("response does not start with HTTP/1.");
                }
                int end = headerEnd(in, h);
                if (end < 0 && h.startLine == null) {
                    int eol = in.indexOfCrlf(0);
                    if (eol > 0 && eol < 8192) h.startLine = in.ascii(0, eol);
                }
                if (end < 0) {
                    if (in.readable() > MAX_HEADER_BYTES) throw new Malformed("header larger than 64 KiB");
                    return false;
                }
                var part = fromClient ? parseRequest(in, end) : parseResponse(in, end);
                part.startNanos = h.firstByteNanos;
                part.bytes = end;
                h.part = part;
                in.skip(end);
                h.scanned = 0;
                startBody(fromClient, h, ts);
            }
            case LENGTH_BODY, CHUNK_DATA, UNTIL_CLOSE -> {
                int n = (int) Math.min(h.state == State.UNTIL_CLOSE ? Long.MAX_VALUE : h.remaining, in.readable());
                h.part.body.add(in, 0, n);
                h.part.bodyBytes += n;
                h.part.bytes += n;
                in.skip(n);
                if (h.state == State.UNTIL_CLOSE) return false;
                h.remaining -= n;
                if (h.remaining > 0) return false;
                if (h.state == State.LENGTH_BODY) finish(fromClient, h, ts);
                else h.state = State.CHUNK_END;
            }
            case CHUNK_SIZE -> {
                int eol = in.indexOfCrlf(0);
                if (eol < 0) {
                    if (in.readable() > 1024) throw new Malformed("chunk size line longer than 1 KiB");
                    return false;
                }
                long size = 0;
                int digits = 0;
                for (int i = 0; i < eol; i++) {
                    int c = in.get(i);
                    int d = Character.digit(c, 16);
                    if (d < 0) {
                        if (c == ';' || c == ' ' || c == '\t') break; // chunk extensions
                        throw new Malformed("bad chunk size");
                    }
                    if (++digits > 15) throw new Malformed("chunk size too large");
                    size = size * 16 + d;
                }
                if (digits == 0) throw new Malformed("empty chunk size");
                in.skip(eol + 2);
                h.part.bytes += eol + 2;
                if (size == 0) {
                    h.state = State.TRAILERS;
                } else {
                    h.remaining = size;
                    h.state = State.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (in.readable() < 2) return false;
                if (in.get(0) != '\r' || in.get(1) != '\n') throw new Malformed("chunk not followed by CRLF");
                in.skip(2);
                h.part.bytes += 2;
                h.state = State.CHUNK_SIZE;
            }
            case TRAILERS -> {
                int eol = in.indexOfCrlf(0);
                if (eol < 0) {
                    if (in.readable() > MAX_HEADER_BYTES) throw new Malformed("trailer larger than 64 KiB");
                    return false;
                }
                in.skip(eol + 2);
                h.part.bytes += eol + 2;
                if (eol == 0) finish(fromClient, h, ts);
            }
        }
        return true;
    }

    /** Offset just past the blank line ending the header, or -1. */
    private static int headerEnd(ByteCumulator in, Half h) {
        int end = in.indexAfterBlankLine(h.scanned - 3);
        if (end < 0) h.scanned = in.readable();
        return end;
    }

    private Request parseRequest(ByteCumulator in, int end) {
        var q = new Request();
        int eol = in.indexOfCrlf(0);
        int sp1 = in.indexOf((byte) ' ', 0);
        int sp2 = sp1 < 0 ? -1 : in.indexOf((byte) ' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || sp2 > eol) throw new Malformed("bad request line");
        if (!in.isToken(0, sp1)) throw new Malformed("bad request line");
        q.method = method(in, sp1);
        q.target = in.ascii(sp1 + 1, sp2);
        q.version = in.ascii(sp2 + 1, eol);
        if (q.target.isEmpty() || !q.version.startsWith("HTTP/1.")) throw new Malformed("bad request line");
        parseHeaders(in, eol + 2, end, q);
        return q;
    }

    private Response parseResponse(ByteCumulator in, int end) {
        var r = new Response();
        int eol = in.indexOfCrlf(0);
        if (eol < 12 || !in.startsWith(0, Http1.STATUS_PREFIX) || in.get(8) != ' ') throw new Malformed("bad status line");
        r.version = in.ascii(0, 8);
        int status = 0;
        for (int i = 9; i < 12; i++) {
            int d = in.get(i) - '0';
            if (d < 0 || d > 9) throw new Malformed("bad status code");
            status = status * 10 + d;
        }
        if (eol > 12 && in.get(12) != ' ') throw new Malformed("bad status line");
        r.status = status;
        r.reason = eol > 13 ? in.ascii(13, eol) : "";
        parseHeaders(in, eol + 2, end, r);
        return r;
    }

    private static void parseHeaders(ByteCumulator in, int pos, int end, Head part) {
        int count = 0;
        while (pos < end - 2) {
            int eol = in.indexOfCrlf(pos);
            int colon = in.indexOf((byte) ':', pos);
            if (colon < 0 || colon > eol || colon == pos) throw new Malformed("bad header line");
            if (++count > MAX_HEADERS) throw new Malformed("more than " + MAX_HEADERS + " headers");
            if (!in.isToken(pos, colon)) throw new Malformed("bad header name");
            var name = HeaderNames.lowerCase(in, pos, colon);
            int from = colon + 1, to = eol;
            while (from < to && (in.get(from) == ' ' || in.get(from) == '\t')) from++;
            while (to > from && (in.get(to - 1) == ' ' || in.get(to - 1) == '\t')) to--;
            var value = in.utf8(from, to).strip();
            part.headers.merge(name, value, (a, b) -> a + ", " + b);
            pos = eol + 2;
        }
    }

    /** The method of a request line, the standard ones shared. */
    private static String method(ByteCumulator in, int length) {
        for (int i = 0; i < Http1.METHODS.length; i++) {
            if (Http1.METHOD_PREFIXES[i].length == length + 1 && in.startsWith(0, Http1.METHOD_PREFIXES[i])) return Http1.METHODS[i];
        }
        return in.ascii(0, length);
    }

    private static boolean token(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!ByteCumulator.isTokenChar(s.charAt(i))) return false;
        return true;
    }

    private void startBody(boolean fromClient, Half h, long ts) {
        var part = h.part;
        if (!fromClient) {
            var r = (Response) part;
            var q = oldestPending();
            if (r.status >= 100 && r.status < 200 && r.status != 101) { // interim: the real response follows
                h.reset();
                return;
            }
            boolean noBody = (q != null && "HEAD".equals(q.method)) || r.status == 204 || r.status == 304 || r.status == 101;
            if (r.status == 101 && q != null && upgradesTo("h2c", q, r)) {
                var upgrade = takeOldestPending(); // answered on HTTP/2 stream 1
                h.reset();
                switchTo(Http2.afterUpgrade(conversation, upgrade.method, upgrade.target, upgrade.headers,
                        upgrade.startNanos, upgrade.endNanos, upgrade.bytes), ts);
                return;
            }
            if (r.status == 101 || (q != null && "CONNECT".equals(q.method) && r.status / 100 == 2)) {
                finish(false, h, ts);
                stop(); // the connection carries another protocol now
                return;
            }
            if (noBody) {
                finish(false, h, ts);
                return;
            }
        }
        var ce = part.header("content-encoding");
        part.body.compressed(ce != null && !ce.equalsIgnoreCase("identity"));
        var te = part.header("transfer-encoding");
        var cl = part.header("content-length");
        if (te != null && te.toLowerCase(Locale.ROOT).strip().endsWith("chunked")) {
            h.state = State.CHUNK_SIZE;
        } else if (cl != null) {
            h.remaining = contentLength(cl);
            h.state = State.LENGTH_BODY;
            if (h.remaining == 0) finish(fromClient, h, ts);
        } else if (fromClient) {
            finish(true, h, ts);
        } else {
            h.state = State.UNTIL_CLOSE;
        }
    }

    private static long contentLength(String v) {
        long value = -1;
        for (var item : v.split(",")) { // repeated headers were joined; they must agree
            var s = item.strip();
            if (s.isEmpty() || s.length() > 18) throw new Malformed("bad Content-Length");
            long n = 0;
            for (int i = 0; i < s.length(); i++) {
                int d = s.charAt(i) - '0';
                if (d < 0 || d > 9) throw new Malformed("bad Content-Length");
                n = n * 10 + d;
            }
            if (value >= 0 && value != n) throw new Malformed("conflicting Content-Length");
            value = n;
        }
        return value;
    }

    private static boolean upgradesTo(String protocol, Request q, Response r) {
        return names(q.header("upgrade"), protocol) && names(r.header("upgrade"), protocol);
    }

    private static boolean names(String headerValue, String token) {
        if (headerValue == null) return false;
        for (var t : headerValue.split(",")) if (t.strip().equalsIgnoreCase(token)) return true;
        return false;
    }

    private void finish(boolean fromClient, Half h, long ts) {
        var part = h.part;
        h.reset();
        done(fromClient, part, ts);
    }

    @Override
    protected boolean absorbGap(boolean fromClient, long missing) {
        var h = fromClient ? client : server;
        if ((h.state == State.LENGTH_BODY || h.state == State.CHUNK_DATA) && missing < h.remaining) {
            h.remaining -= missing;
        } else if (h.state != State.UNTIL_CLOSE) {
            return false;
        }
        h.part.problem("gap in capture (" + missing + " body bytes missing)");
        h.part.bytes += missing;
        h.part.bodyBytes += missing;
        return true;
    }

    @Override
    protected void onEnd(boolean fromClient, long ts) {
        var h = fromClient ? client : server;
        if (h.state == State.UNTIL_CLOSE) finish(fromClient, h, ts);
        else abort(fromClient, "connection closed mid-message", ts);
    }

    @Override
    protected void abort(boolean fromClient, String problem, long ts) {
        var h = fromClient ? client : server;
        if (h.part == null && h.firstByteNanos < 0) return; // between messages: nothing lost
        if (h.part == null && !fromClient && h.startLine == null && oldestPending() == null) {
            h.reset(); // stray server bytes that answer nothing
            return;
        }
        if (h.part == null) {
            h.part = fromClient ? new Request() : new Response();
            h.part.startNanos = h.firstByteNanos;
            var words = h.startLine == null ? new String[0] : h.startLine.split(" ", 3);
            if (words.length == 3 && h.part instanceof Request q && token(words[0])) {
                q.method = words[0];
                q.target = words[1];
                q.version = words[2];
            } else if (words.length >= 2 && h.part instanceof Response r && words[1].matches("[0-9]{3}")) {
                r.status = Integer.parseInt(words[1]);
                r.version = words[0];
                r.reason = words.length == 3 ? words[2] : "";
            }
        }
        h.part.problem(problem);
        finish(fromClient, h, ts);
    }

    @Override
    protected int findStart(boolean fromClient, ByteCumulator in) {
        if (!fromClient) return lineStart(in, i -> in.startsWith(i, Http1.STATUS_PREFIX));
        return lineStart(in, i -> {
            for (var m : Http1.METHOD_PREFIXES) if (in.startsWith(i, m)) return true;
            return false;
        });
    }

    @Override
    protected void emit(Request q, Response r) {
        var http = LinkedHashMap.<String, Object>newLinkedHashMap(16);
        String summary;
        long start;
        if (q != null) {
            if (q.method != null) http.put("method", q.method);
            if (q.target != null) {
                http.put("url", q.target);
                int qm = q.target.indexOf('?');
                http.put("path", qm < 0 ? q.target : q.target.substring(0, qm));
            }
            if (q.version != null) http.put("version", q.version);
            var host = q.header("host");
            if (host != null) http.put("host", host);
            http.put("request_headers", q.headers);
            var body = q.body.render(q.header("content-encoding"));
            if (body != null) http.put("request_body", body);
            http.put("request_body_size", q.bodyBytes);
            summary = q.method == null ? "(malformed request)" : q.method + " " + q.target;
            start = q.startNanos;
        } else {
            summary = "(request not captured)";
            start = r.startNanos;
        }
        String status = "";
        boolean error = false;
        if (r != null) {
            if (r.status >= 0) {
                http.put("status", (long) r.status);
                http.put("reason", r.reason);
                status = Integer.toString(r.status);
                error = r.status >= 400;
            }
            http.put("response_headers", r.headers);
            var ct = r.header("content-type");
            if (ct != null) http.put("content_type", ct);
            var body = r.body.render(r.header("content-encoding"));
            if (body != null) http.put("response_body", body);
            http.put("response_body_size", r.bodyBytes);
        }
        conversation.emit("http", start, latency(q, r), q == null ? 0 : q.bytes, r == null ? 0 : r.bytes,
                summary, status, error, problem(q, r), Map.of("http", http));
    }
}
