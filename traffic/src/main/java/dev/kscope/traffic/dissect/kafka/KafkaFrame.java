package dev.kscope.traffic.dissect.kafka;

import dev.kscope.traffic.dissect.PairingDissector;

import java.util.ArrayList;
import java.util.List;

/** What one request or response showed. */
final class KafkaFrame extends PairingDissector.Part {
    private static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};

    int apiKey = -1, apiVersion, correlationId;
    String clientId;
    /** Topic names as sent, and topic ids (Produce v13+, Fetch v13+) to be named from Metadata responses. */
    final List<String> topics = new ArrayList<>(), topicIds = new ArrayList<>();
    /** Consumer groups named (JoinGroup, OffsetCommit, FindCoordinator…). */
    final List<String> groups = new ArrayList<>(1);
    int partitions;
    long records, recordBytes;
    final List<String> compression = new ArrayList<>(2);
    int errorCode;
    /** Whether the response's error code was read (false for the APIs whose body is not read). */
    boolean errorKnown;
    /** Fetch sessions (v7+): the request's session id and epoch, the response's session id. */
    Integer sessionId, sessionEpoch;
    String parseNote;

    void topic(String name) {
        if (topics.size() < 32 && !topics.contains(name)) topics.add(name);
    }

    void group(String id) {
        if (groups.size() < 32 && !groups.contains(id)) groups.add(id);
    }

    void topicId(String id) {
        if (topicIds.size() < 32 && !topicIds.contains(id)) topicIds.add(id);
    }

    /** The first error a response reports (top-level, topic or partition) is the message's. */
    void error(int code) {
        if (errorCode == 0) errorCode = code;
    }

    void compression(int codec) {
        var name = codec < CODECS.length ? CODECS[codec] : "codec" + codec;
        if (!compression.contains(name)) compression.add(name);
    }
}
