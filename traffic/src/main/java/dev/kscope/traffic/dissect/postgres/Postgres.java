package dev.kscope.traffic.dissect.postgres;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;

/**
 * PostgreSQL frontend/backend protocol 3.0, recognized by a startup, SSL or cancel request from the client,
 * an authentication request from the server, or (mid-connection) a simple query.
 */
public final class Postgres implements Protocol {
    static final int PROTOCOL_3 = 196608, SSL_REQUEST = 80877103, GSS_REQUEST = 80877104, CANCEL_REQUEST = 80877102;

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        int n = in.readable();
        if (n < 8) return n == 0 || in.get(0) == 0 || in.get(0) == 'R' || in.get(0) == 'Q' ? Verdict.MORE : Verdict.NO;
        if (in.get(0) == 0) {
            int len = in.i32(0), code = in.i32(4);
            boolean known = code == PROTOCOL_3 || code == SSL_REQUEST || code == GSS_REQUEST || code == CANCEL_REQUEST;
            return known && len >= 8 && len <= 10000 ? Verdict.CLIENT : Verdict.NO;
        }
        if (in.get(0) == 'R' && n >= 9) {
            int len = in.i32(1), code = in.i32(5);
            return len >= 8 && len <= 2048 && code >= 0 && code <= 12 ? Verdict.SERVER : Verdict.NO;
        }
        if (in.get(0) == 'Q') {
            int len = in.i32(1);
            if (len < 5 || len > 1 << 20) return Verdict.NO;
            if (n < 1 + len) return n >= 512 ? Verdict.NO : Verdict.MORE;
            return in.get(len) == 0 ? Verdict.CLIENT : Verdict.NO;
        }
        return Verdict.NO;
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new PostgresDissector(conversation);
    }
}
