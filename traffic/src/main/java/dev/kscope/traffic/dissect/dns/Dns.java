package dev.kscope.traffic.dissect.dns;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.DatagramDissector;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;
import dev.kscope.traffic.message.MessageSink;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/** DNS over UDP and over TCP (2-byte length prefix), recognized by a header and question that parse. */
public final class Dns implements Protocol {
    @Override
    public String name() {
        return "dns";
    }

    @Override
    public boolean probeDatagram(MemorySegment data, int srcPort, int dstPort) {
        long n = data.byteSize();
        if (n < 17 || n > 65535) return false;
        try {
            DnsMessage.parse(data.toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            return true;
        } catch (Malformed m) {
            return false;
        }
    }

    @Override
    public DatagramDissector newDatagramDissector(MessageSink sink, AtomicLong ids) {
        return new DnsDatagramDissector(sink, ids);
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        if (in.readable() < 2) return Verdict.MORE;
        int len = in.u16(0);
        if (len < 17 || len > 4096) return Verdict.NO;
        if (in.readable() < 2 + Math.min(len, 64)) return in.readable() >= 500 ? Verdict.NO : Verdict.MORE;
        try {
            var m = DnsMessage.parse(in.copy(2, Math.min(in.readable(), 2 + len)), 0, Math.min(in.readable() - 2, len));
            return m.response() ? Verdict.SERVER : Verdict.CLIENT;
        } catch (Malformed e) {
            return in.readable() < 2 + len ? Verdict.MORE : Verdict.NO;
        }
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new DnsTcpDissector(conversation);
    }
}
