package dev.kscope.traffic.dissect.http2;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.kscope.traffic.dissect.BodyPreview;
import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.StreamDissector;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/2 frames per direction, header blocks (HEADERS + CONTINUATION, PUSH_PROMISE) through Netty's HPACK
 * decoder (one per direction: each keeps its peer's dynamic table; header lists capped, so HPACK bombs are
 * refused), streams paired by id. A stream whose content-type is application/grpc becomes a gRPC message:
 * service, method, grpc-status, message counts/sizes and the first request/response message as raw protobuf
 * fields. A gap breaks HPACK state for good: open streams are reported and the connection is not read further.
 */
final class Http2Dissector implements StreamDissector {
    private static final int MAX_FRAME_HELD = 256 << 10;
    private static final int MAX_HEADER_BLOCK = 64 << 10;
    private static final int MAX_STREAMS = 1000;

    private static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, PUSH_PROMISE = 5, CONTINUATION = 9;
    private static final int END_STREAM = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20;

    private static final class Side {
        final ByteCumulator in = new ByteCumulator();
        final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false, MAX_HEADER_BLOCK);
        boolean prefaceSkipped;
        long skipData;           // remaining bytes of a DATA frame too large to hold
        int skipStream;
        ByteCumulator headerBlock; // HEADERS/PUSH_PROMISE waiting for CONTINUATION
        int headerStream;
        boolean headerEndStream;

        Side() {
            try {
                hpack.configuration().maxHeaderTableSize(64 << 10);
            } catch (Http2Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class Half {
        long start = -1, end, bytes, messages;
        Http2Headers headers, trailers;
        final BodyPreview body = new BodyPreview();
        final ByteCumulator firstGrpcMessage = new ByteCumulator();
        boolean ended;
    }

    private static final class H2Stream {
        final int id;
        final Half request = new Half(), response = new Half();
        String problem;
        boolean upgraded; // stream 1 of an h2c upgrade: its request was HTTP/1.1

        H2Stream(int id) {
            this.id = id;
        }
    }

    private final Conversation conversation;
    private final Side client = new Side(), server = new Side();
    private final TreeMap<Integer, H2Stream> streams = new TreeMap<>();
    private boolean broken;

    Http2Dissector(Conversation conversation) {
        this.conversation = conversation;
        client.prefaceSkipped = false;
        server.prefaceSkipped = true;
    }

    /** HTTP/1.1 headers with no HTTP/2 equivalent (RFC 9113 8.2.2), or carried by a pseudo-header (host). */
    private static final java.util.Set<String> HOP_BY_HOP =
            java.util.Set.of("host", "connection", "upgrade", "http2-settings", "keep-alive", "transfer-encoding");

    /** Stream 1 is the HTTP/1.1 request that asked for the upgrade, already complete. */
    void upgradeRequest(String method, String target, Map<String, String> headers, long start, long end, long bytes) {
        var h = new DefaultHttp2Headers().method(method).path(target).scheme("http");
        if (headers.get("host") != null) h.authority(headers.get("host"));
        for (var e : headers.entrySet()) {
            var name = e.getKey();
            if (!HOP_BY_HOP.contains(name)) h.add(name, e.getValue());
        }
        var s = stream(1, start);
        s.upgraded = true;
        s.request.headers = h;
        s.request.start = start;
        s.request.end = end;
        s.request.bytes = bytes;
        s.request.ended = true;
    }

    @Override
    public void onData(boolean fromClient, MemorySegment data, long ts) {
        if (broken) return;
        var side = fromClient ? client : server;
        side.in.append(data);
        try {
            while (frame(fromClient, side, ts)) {
            }
        } catch (Malformed m) {
            fail("malformed: " + m.getMessage(), ts);
        }
    }

    private boolean frame(boolean fromClient, Side side, long ts) {
        var in = side.in;
        if (!side.prefaceSkipped) {
            if (in.readable() < Http2.PREFACE.length) return false;
            if (!in.startsWith(0, Http2.PREFACE)) throw new Malformed("bad connection preface");
            in.skip(Http2.PREFACE.length);
            side.prefaceSkipped = true;
        }
        if (side.skipData > 0) {
            int n = (int) Math.min(side.skipData, in.readable());
            var s = streams.get(side.skipStream);
            if (s != null) (fromClient ? s.request : s.response).bytes += n;
            in.skip(n);
            side.skipData -= n;
            return side.skipData == 0 && in.readable() > 0;
        }
        if (in.readable() < 9) return false;
        int len = (in.get(0) << 16) | (in.get(1) << 8) | in.get(2);
        int type = in.get(3), flags = in.get(4);
        int id = in.i32(5) & 0x7FFFFFFF;
        if (len > MAX_FRAME_HELD) {
            if (type != DATA) throw new Malformed("frame of " + len + " bytes");
            var s = stream(id, ts);
            if (s != null) (fromClient ? s.request : s.response).bytes += 9;
            in.skip(9);
            side.skipData = len;
            side.skipStream = id;
            return true;
        }
        if (in.readable() < 9 + len) return false;
        if (side.headerBlock != null && type != CONTINUATION) throw new Malformed("header block not continued");
        switch (type) {
            case DATA -> data(fromClient, in, id, flags, len, ts);
            case HEADERS, PUSH_PROMISE -> {
                int p = 9, end = 9 + len;
                if ((flags & PADDED) != 0) end -= in.get(p++);
                if (type == HEADERS && (flags & PRIORITY) != 0) p += 5;
                int target = id;
                if (type == PUSH_PROMISE) {
                    target = in.i32(p) & 0x7FFFFFFF;
                    p += 4;
                }
                if (end < p) throw new Malformed("padding longer than the frame");
                side.headerBlock = new ByteCumulator();
                side.headerBlock.append(in.copy(p, end), 0, end - p);
                side.headerStream = type == PUSH_PROMISE ? -target : target;
                side.headerEndStream = type == HEADERS && (flags & END_STREAM) != 0;
                if ((flags & END_HEADERS) != 0) headerBlockDone(fromClient, side, ts);
            }
            case CONTINUATION -> {
                if (side.headerBlock == null) throw new Malformed("CONTINUATION without HEADERS");
                if (side.headerBlock.readable() + len > MAX_HEADER_BLOCK) throw new Malformed("header block over 64 KiB");
                side.headerBlock.append(in.copy(9, 9 + len), 0, len);
                if ((flags & END_HEADERS) != 0) headerBlockDone(fromClient, side, ts);
            }
            case RST_STREAM -> {
                var s = streams.get(id);
                if (s != null && len >= 4) {
                    s.problem = "stream reset (error " + in.i32(9) + ")";
                    finish(s, ts);
                }
            }
            default -> {
                // SETTINGS, PING, GOAWAY, WINDOW_UPDATE, PRIORITY, unknown: nothing for messages
            }
        }
        in.skip(9 + len);
        return true;
    }

    private void data(boolean fromClient, ByteCumulator in, int id, int flags, int len, long ts) {
        var s = stream(id, ts);
        if (s == null) return;
        var half = fromClient ? s.request : s.response;
        int p = 9, end = 9 + len;
        if ((flags & PADDED) != 0 && len > 0) end -= in.get(p++);
        if (end < p) throw new Malformed("padding longer than the frame");
        if (half.start < 0) half.start = ts;
        half.bytes += 9 + len;
        half.body.add(in, p, end - p);
        int take = Math.min(end - p, 4096 - half.firstGrpcMessage.readable());
        if (take > 0) half.firstGrpcMessage.append(in.copy(p, p + take), 0, take);
        if ((flags & END_STREAM) != 0) endHalf(s, fromClient, ts);
    }

    private void headerBlockDone(boolean fromClient, Side side, long ts) {
        var block = side.headerBlock;
        side.headerBlock = null;
        Http2Headers headers;
        try {
            headers = side.hpack.decodeHeaders(Math.abs(side.headerStream), Unpooled.wrappedBuffer(block.copy(0, block.readable())));
        } catch (Http2Exception e) {
            throw new Malformed("HPACK: " + e.getMessage());
        }
        if (side.headerStream < 0) { // PUSH_PROMISE: a request the server makes up
            var s = stream(-side.headerStream, ts);
            if (s != null) {
                s.request.headers = headers;
                s.request.start = ts;
                s.request.ended = true;
            }
            return;
        }
        var s = stream(side.headerStream, ts);
        if (s == null) return;
        var half = fromClient ? s.request : s.response;
        if (half.start < 0) half.start = ts;
        half.bytes += 9 + block.readable();
        if (half.headers == null) half.headers = headers;
        else if (!fromClient && headers.status() != null && headers.status().length() > 0 && headers.status().charAt(0) == '1') half.headers = headers; // after 1xx
        else half.trailers = headers;
        if (side.headerEndStream) endHalf(s, fromClient, ts);
    }

    private H2Stream stream(int id, long ts) {
        if (id == 0) throw new Malformed("DATA or HEADERS on stream 0");
        var s = streams.get(id);
        if (s == null) {
            if (streams.size() >= MAX_STREAMS) {
                var oldest = streams.firstEntry().getValue();
                oldest.problem = "no response";
                finish(oldest, ts);
            }
            s = new H2Stream(id);
            streams.put(id, s);
        }
        return s;
    }

    private void endHalf(H2Stream s, boolean fromClient, long ts) {
        var half = fromClient ? s.request : s.response;
        half.ended = true;
        half.end = ts;
        if (s.response.ended) finish(s, ts);
    }

    private void fail(String problem, long ts) {
        broken = true;
        for (var s : streams.values().toArray(H2Stream[]::new)) {
            if (s.problem == null) s.problem = problem;
            finish(s, ts);
        }
        client.in.clear();
        server.in.clear();
    }

    @Override
    public void onGap(boolean fromClient, long missingBytes, long ts) {
        if (!broken) fail("gap in capture (" + missingBytes + " bytes missing; HPACK state lost)", ts);
    }

    @Override
    public void onClose(long ts) {
        for (var s : streams.values().toArray(H2Stream[]::new)) {
            if (s.problem == null) s.problem = s.response.headers == null ? "no response" : "connection closed mid-message";
            finish(s, ts);
        }
    }

    private void finish(H2Stream s, long ts) {
        if (streams.remove(s.id) == null) return;
        var q = s.request.headers;
        var r = s.response.headers;
        var h = new LinkedHashMap<String, Object>();
        String method = header(q, ":method"), path = header(q, ":path");
        if (method != null) h.put("method", method);
        if (path != null) {
            h.put("url", path);
            int qm = path.indexOf('?');
            h.put("path", qm < 0 ? path : path.substring(0, qm));
        }
        h.put("version", "HTTP/2");
        if (s.upgraded) h.put("upgraded_from", "HTTP/1.1");
        var authority = header(q, ":authority");
        if (authority != null) h.put("host", authority);
        h.put("stream", (long) s.id);
        h.put("request_headers", map(q));
        String status = header(r, ":status");
        if (status != null && status.matches("[0-9]{3}")) h.put("status", Long.parseLong(status));
        h.put("response_headers", map(r));
        if (s.response.trailers != null) h.put("trailers", map(s.response.trailers));
        var contentType = header(r, "content-type") != null ? header(r, "content-type") : header(q, "content-type");
        if (contentType != null) h.put("content_type", contentType);
        long start = s.request.start >= 0 ? s.request.start : s.response.start;
        long latency = s.request.start >= 0 && s.response.ended ? Math.max(0, s.response.end - s.request.start) : -1;
        boolean grpc = contentType != null && contentType.startsWith("application/grpc");
        if (grpc) {
            emitGrpc(s, h, path, start, latency);
            return;
        }
        var reqBody = s.request.body.render(header(q, "content-encoding"));
        if (reqBody != null) h.put("request_body", reqBody);
        var respBody = s.response.body.render(header(r, "content-encoding"));
        if (respBody != null) h.put("response_body", respBody);
        boolean error = status != null && !status.isEmpty() && status.charAt(0) >= '4';
        conversation.emit("http", start, latency, s.request.bytes, s.response.bytes,
                method == null ? "(request not captured)" : method + " " + path, status == null ? "" : status, error,
                s.problem, Map.of("http", h));
    }

    private void emitGrpc(H2Stream s, Map<String, Object> h, String path, long start, long latency) {
        var g = new LinkedHashMap<String, Object>();
        String service = "", method = "";
        if (path != null && path.startsWith("/") && path.indexOf('/', 1) > 0) {
            service = path.substring(1, path.indexOf('/', 1));
            method = path.substring(path.indexOf('/', 1) + 1);
        }
        g.put("service", service);
        g.put("method", method);
        // grpc-status comes in the trailers, or in the only HEADERS of a trailers-only response.
        var trailers = s.response.trailers != null ? s.response.trailers : s.response.headers;
        String code = header(trailers, "grpc-status");
        String message = header(trailers, "grpc-message");
        if (code != null) {
            g.put("status_code", code.matches("[0-9]+") ? Long.parseLong(code) : -1L);
            g.put("status", grpcStatusName(code));
        }
        if (message != null) g.put("message", message);
        var reqSizes = frames(s.request.firstGrpcMessage);
        var respSizes = frames(s.response.firstGrpcMessage);
        g.put("request_message", reqSizes);
        g.put("response_message", respSizes);
        g.put("http", h);
        String status = code == null ? "" : grpcStatusName(code);
        boolean error = code != null && !code.equals("0");
        conversation.emit("grpc", start, latency, s.request.bytes, s.response.bytes,
                service.isEmpty() ? "(request not captured)" : service + "/" + method, status, error, s.problem, Map.of("grpc", g));
    }

    /** The first length-prefixed gRPC message: its size and its protobuf fields, raw (no schema). */
    private static Map<String, Object> frames(ByteCumulator b) {
        var m = new LinkedHashMap<String, Object>();
        if (b.readable() < 5) return m;
        boolean compressed = b.get(0) == 1;
        long size = Integer.toUnsignedLong(b.i32(1));
        m.put("size", size);
        m.put("compressed", compressed);
        int have = (int) Math.min(size, b.readable() - 5);
        if (!compressed && have == size) {
            try {
                var fields = UnknownFieldSet.parseFrom(b.copy(5, 5 + have));
                var text = fields.toString().strip();
                m.put("fields", text.length() > BodyPreview.MAX_SHOWN ? text.substring(0, BodyPreview.MAX_SHOWN) + "…" : text);
            } catch (InvalidProtocolBufferException e) {
                m.put("fields", "(not protobuf: " + e.getMessage() + ")");
            }
        }
        return m;
    }

    static String grpcStatusName(String code) {
        String[] names = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
                "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
        try {
            int c = Integer.parseInt(code);
            return c >= 0 && c < names.length ? names[c] : code;
        } catch (NumberFormatException e) {
            return code;
        }
    }

    private static String header(Http2Headers h, String name) {
        if (h == null) return null;
        var v = h.get(name);
        return v == null ? null : v.toString();
    }

    private static Map<String, String> map(Http2Headers h) {
        var m = new LinkedHashMap<String, String>();
        if (h != null) h.forEach(e -> m.merge(e.getKey().toString(), e.getValue().toString(), (a, b) -> a + ", " + b));
        return m;
    }
}
