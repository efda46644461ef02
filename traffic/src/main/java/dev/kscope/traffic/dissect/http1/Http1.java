package dev.kscope.traffic.dissect.http1;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;

import java.nio.charset.StandardCharsets;

/** HTTP/1.0 and 1.1, recognized by a request line with a known method or a status line. */
public final class Http1 implements Protocol {
    static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"};
    static final byte[][] METHOD_PREFIXES = new byte[METHODS.length][];
    static final byte[] STATUS_PREFIX = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    static {
        for (int i = 0; i < METHODS.length; i++) METHOD_PREFIXES[i] = (METHODS[i] + " ").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        var v = prefix(in, STATUS_PREFIX);
        if (v != Verdict.NO) return v == Verdict.CLIENT ? Verdict.SERVER : v;
        for (var m : METHOD_PREFIXES) {
            v = prefix(in, m);
            if (v != Verdict.NO) {
                // "PRI * HTTP/2.0" is not ours, and a method must be followed by a target.
                return v;
            }
        }
        return Verdict.NO;
    }

    private static Verdict prefix(ByteCumulator in, byte[] p) {
        int n = Math.min(in.readable(), p.length);
        for (int i = 0; i < n; i++) if (in.get(i) != (p[i] & 0xFF)) return Verdict.NO;
        return n < p.length ? Verdict.MORE : Verdict.CLIENT;
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new Http1Dissector(conversation);
    }
}
