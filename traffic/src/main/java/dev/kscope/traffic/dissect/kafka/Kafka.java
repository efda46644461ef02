package dev.kscope.traffic.dissect.kafka;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Protocol;
import dev.kscope.traffic.dissect.StreamDissector;
import dev.kscope.traffic.dissect.Verdict;

/**
 * Apache Kafka, recognized by a client request header: a plausible size, a known API key and version, and a
 * printable client id. One instance serves one analysis: its connections share what topic ids are named.
 */
public final class Kafka implements Protocol {
    private final TopicNames names = new TopicNames();

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public Verdict probeStream(ByteCumulator in, boolean fromClient) {
        if (in.readable() < 14) return in.readable() < 4 || in.get(0) == 0 ? Verdict.MORE : Verdict.NO;
        long size = Integer.toUnsignedLong(in.i32(0));
        int key = in.u16(4), version = in.u16(6);
        int clientIdLen = (short) in.u16(12);
        if (size < 10 || size > 100 << 20 || KafkaApis.name(key) == null || version > 20) return Verdict.NO;
        if (clientIdLen < -1 || clientIdLen > 512 || clientIdLen + 10 > size) return Verdict.NO;
        for (int i = 0; i < clientIdLen && 14 + i < in.readable(); i++) {
            int c = in.get(14 + i);
            if (c < 0x20 || c > 0x7E) return Verdict.NO;
        }
        return Verdict.CLIENT;
    }

    @Override
    public StreamDissector newStream(Conversation conversation) {
        return new KafkaDissector(conversation, names);
    }
}
