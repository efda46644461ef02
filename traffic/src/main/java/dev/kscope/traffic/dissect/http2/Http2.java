package dev.kscope.traffic.dissect.http2;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;

import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 (cleartext, prior knowledge or after the client preface) and gRPC on top of it. Recognized by the
 * client connection preface, or a server SETTINGS frame on stream 0 as the first bytes.
 */
public final class Http2 implements Protocol {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "http2";
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        int n = Math.min(in.readable(), PREFACE.length);
        boolean prefix = true;
        for (int i = 0; i < n && prefix; i++) prefix = in.get(i) == (PREFACE[i] & 0xFF);
        if (prefix) return n < PREFACE.length ? Verdict.MORE : Verdict.CLIENT;
        if (in.readable() < 9) return Verdict.NO;
        int len = (in.get(0) << 16) | (in.get(1) << 8) | in.get(2);
        boolean settings = in.get(3) == 4 && (in.get(4) & ~1) == 0 && in.i32(5) == 0 && len % 6 == 0 && len <= 60;
        return settings ? Verdict.SERVER : Verdict.NO;
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new Http2Dissector(conversation);
    }

    /**
     * The HTTP/2 side of an HTTP/1.1 connection upgraded to h2c (RFC 7540 3.2): the upgrade request is stream 1's
     * request, answered in HTTP/2; the client's preface and frames follow.
     */
    public static StreamDissector afterUpgrade(Conversation conversation, String method, String target,
                                               java.util.Map<String, String> headers, long start, long end, long bytes) {
        var d = new Http2Dissector(conversation);
        d.upgradeRequest(method, target, headers, start, end, bytes);
        return d;
    }
}
