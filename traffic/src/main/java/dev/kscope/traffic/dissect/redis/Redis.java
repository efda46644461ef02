package dev.kscope.traffic.dissect.redis;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;

/**
 * Redis RESP2/RESP3. A client speaks first with an array of bulk strings ({@code *N\r\n$L\r\n});
 * a server line starts with a RESP type byte followed by a well-formed first line.
 */
public final class Redis implements Protocol {
    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        int n = in.readable();
        if (n == 0) return Verdict.MORE;
        int t = in.get(0);
        if (t == '*') {
            int i = 1;
            while (i < n && i < 12 && Character.isDigit(in.get(i))) i++;
            if (i == 1 && i < n) return Verdict.NO;
            if (i + 2 >= n) return n > 16 ? Verdict.NO : Verdict.MORE;
            if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '$') return Verdict.CLIENT;
            return Verdict.NO;
        }
        if ("+-:$%_#,(!=~>|".indexOf(t) < 0) return Verdict.NO;
        int eol = in.indexOfCrlf(0);
        if (eol < 0) return n > 256 ? Verdict.NO : Verdict.MORE;
        if (eol < 1 && t != '+') return Verdict.NO;
        for (int i = 1; i < eol; i++) {
            int c = in.get(i);
            if (c < 0x20 || c > 0x7E) return Verdict.NO;
            if ("$:%~*>|=!(".indexOf(t) >= 0 && !(Character.isDigit(c) || (i == 1 && c == '-'))) return Verdict.NO;
        }
        return Verdict.SERVER;
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new RedisDissector(conversation);
    }
}
