package dev.kscope.traffic.dissect.kafka;

/**
 * The bodies read field by field, per API and version, after Kafka's message schemas
 * (clients/src/main/resources/common/message/*.json): Produce, Fetch, ListOffsets, Metadata, OffsetCommit,
 * OffsetFetch and CreateTopics show topics, partitions, records and errors; Metadata and CreateTopics responses
 * name topic ids; the group APIs (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
 * OffsetFetch, the group heartbeats) show the group.
 * Tagged fields (e.g. Fetch's ReplicaDirectoryId, v17+) are skipped with the struct's tag buffer.
 */
final class KafkaBodies {
    private KafkaBodies() {
    }

    static void request(KafkaFrame f, KafkaReader r) {
        int v = f.apiVersion;
        switch (f.apiKey) {
            case KafkaApis.PRODUCE -> {
                if (v >= 3) r.nullableString(); // transactional id
                r.i16(); // acks
                r.i32(); // timeout
                topicPartitions(f, r, v >= 13, () -> {
                    r.i32(); // partition
                    int len = r.bytesLength();
                    if (len > 0) r.records(len, f);
                });
            }
            case KafkaApis.FETCH -> {
                if (v <= 14) r.i32(); // replica id (a tagged field from v15)
                r.i32(); // max wait
                r.i32(); // min bytes
                if (v >= 3) r.i32(); // max bytes
                if (v >= 4) r.i8(); // isolation level
                if (v >= 7) {
                    int id = r.i32(), epoch = r.i32(); // both or neither, should the frame end between them
                    f.sessionId = id;
                    f.sessionEpoch = epoch;
                }
                topicPartitions(f, r, v >= 13, () -> {
                    r.i32(); // partition
                    if (v >= 9) r.i32(); // current leader epoch
                    r.i64(); // fetch offset
                    if (v >= 12) r.i32(); // last fetched epoch
                    if (v >= 5) r.i64(); // log start offset
                    r.i32(); // partition max bytes
                });
            }
            case KafkaApis.LIST_OFFSETS -> {
                r.i32(); // replica id
                if (v >= 2) r.i8(); // isolation level
                topicPartitions(f, r, false, () -> {
                    r.i32(); // partition
                    if (v >= 4) r.i32(); // current leader epoch
                    r.i64(); // timestamp
                    if (v == 0) r.i32(); // max offsets
                });
            }
            case KafkaApis.METADATA -> {
                for (int t = 0, topics = r.arrayLength(); t < topics; t++) {
                    var id = v >= 10 ? r.uuid() : null;
                    var name = r.nullableString();
                    if (name != null) f.topic(name);
                    else if (id != null) f.topicId(id);
                    r.tags();
                }
            }
            case KafkaApis.CREATE_TOPICS -> {
                for (int t = 0, topics = r.arrayLength(); t < topics; t++) {
                    f.topic(r.string());
                    f.partitions += Math.max(0, r.i32()); // partitions to create (-1: the broker's default)
                    r.i16(); // replication factor
                    for (int a = 0, n = r.arrayLength(); a < n; a++) {
                        r.i32();
                        r.skipInt32Array();
                        r.tags();
                    }
                    for (int c = 0, n = r.arrayLength(); c < n; c++) {
                        r.string();
                        r.nullableString();
                        r.tags();
                    }
                    r.tags();
                }
            }
            case KafkaApis.OFFSET_COMMIT -> {
                f.group(r.string());
                if (v >= 1) {
                    r.i32(); // generation id (member epoch)
                    r.string(); // member id
                }
                if (v >= 7) r.nullableString(); // group instance id
                if (v >= 2 && v <= 4) r.i64(); // retention time
                topicPartitions(f, r, v >= 10, () -> {
                    r.i32(); // partition
                    r.i64(); // committed offset
                    if (v >= 6) r.i32(); // committed leader epoch
                    if (v == 1) r.i64(); // commit timestamp
                    r.nullableString(); // metadata
                });
            }
            case KafkaApis.OFFSET_FETCH -> {
                if (v <= 7) {
                    f.group(r.string());
                    offsetFetchTopics(f, r, false);
                } else {
                    for (int g = 0, groups = r.arrayLength(); g < groups; g++) {
                        f.group(r.string());
                        if (v >= 9) {
                            r.nullableString(); // member id
                            r.i32(); // member epoch
                        }
                        offsetFetchTopics(f, r, v >= 10);
                        r.tags();
                    }
                }
            }
            case KafkaApis.FIND_COORDINATOR -> {
                if (v <= 3) {
                    var key = r.string();
                    if (v == 0 || r.i8() == 0) f.group(key); // key type 0: a group (1: a transactional id)
                } else if (r.i8() == 0) {
                    for (int k = 0, keys = r.arrayLength(); k < keys; k++) f.group(r.string());
                }
            }
            default -> {
                if (KafkaApis.startsWithGroup(f.apiKey)) f.group(r.string());
            }
        }
    }

    private static void offsetFetchTopics(KafkaFrame f, KafkaReader r, boolean byId) {
        for (int t = 0, topics = r.arrayLength(); t < topics; t++) { // null: all the group's topics
            topic(f, r, byId);
            int parts = r.arrayLength();
            f.partitions += parts;
            r.skip(parts * 4);
            r.tags();
        }
    }

    /** Reads a response to {@code q}; ids seen next to names are told to {@code names}. */
    static void response(KafkaFrame q, KafkaFrame f, KafkaReader r, TopicNames names) {
        int v = q.apiVersion;
        f.errorKnown = readsBody(q.apiKey); // errors read before a frame's end (or the parse window's) stand
        switch (q.apiKey) {
            case KafkaApis.PRODUCE -> {
                topicPartitions(f, r, v >= 13, () -> {
                    r.i32(); // partition
                    f.error(r.i16());
                    r.i64(); // base offset
                    if (v >= 2) r.i64(); // log append time
                    if (v >= 5) r.i64(); // log start offset
                    if (v >= 8) {
                        for (int e = 0, n = r.arrayLength(); e < n; e++) {
                            r.i32();
                            r.nullableString();
                            r.tags();
                        }
                        r.nullableString(); // error message
                    }
                });
            }
            case KafkaApis.FETCH -> {
                if (v >= 1) r.i32(); // throttle
                if (v >= 7) {
                    f.error(r.i16());
                    f.sessionId = r.i32();
                }
                topicPartitions(f, r, v >= 13, () -> {
                    r.i32(); // partition
                    f.error(r.i16());
                    r.i64(); // high watermark
                    if (v >= 4) {
                        r.i64(); // last stable offset
                        if (v >= 5) r.i64(); // log start offset
                        for (int a = 0, n = r.arrayLength(); a < n; a++) { // aborted transactions
                            r.i64();
                            r.i64();
                            r.tags();
                        }
                    }
                    if (v >= 11) r.i32(); // preferred read replica
                    int len = r.bytesLength();
                    if (len > 0) r.records(len, f);
                });
            }
            case KafkaApis.LIST_OFFSETS -> {
                if (v >= 2) r.i32(); // throttle
                topicPartitions(f, r, false, () -> {
                    r.i32(); // partition
                    f.error(r.i16());
                    if (v == 0) r.skip(r.arrayLength() * 8); // old-style offsets
                    else {
                        r.i64(); // timestamp
                        r.i64(); // offset
                        if (v >= 4) r.i32(); // leader epoch
                    }
                });
            }
            case KafkaApis.METADATA -> {
                if (v >= 3) r.i32(); // throttle
                for (int b = 0, brokers = r.arrayLength(); b < brokers; b++) {
                    r.i32(); // node id
                    r.string(); // host
                    r.i32(); // port
                    if (v >= 1) r.nullableString(); // rack
                    r.tags();
                }
                if (v >= 2) r.nullableString(); // cluster id
                if (v >= 1) r.i32(); // controller id
                for (int t = 0, topics = r.arrayLength(); t < topics; t++) {
                    f.error(r.i16());
                    var name = r.nullableString();
                    var id = v >= 10 ? r.uuid() : null;
                    if (name != null) f.topic(name);
                    if (name != null && id != null) names.learn(id, name);
                    if (v >= 1) r.i8(); // is internal
                    int parts = r.arrayLength();
                    f.partitions += parts;
                    for (int p = 0; p < parts; p++) {
                        f.error(r.i16());
                        r.i32(); // partition
                        r.i32(); // leader
                        if (v >= 7) r.i32(); // leader epoch
                        r.skipInt32Array(); // replicas
                        r.skipInt32Array(); // in-sync replicas
                        if (v >= 5) r.skipInt32Array(); // offline replicas
                        r.tags();
                    }
                    if (v >= 8) r.i32(); // topic authorized operations
                    r.tags();
                }
                if (v >= 8 && v <= 10) r.i32(); // cluster authorized operations
                if (v >= 13) f.error(r.i16());
            }
            case KafkaApis.CREATE_TOPICS -> {
                if (v >= 2) r.i32(); // throttle
                for (int t = 0, topics = r.arrayLength(); t < topics; t++) {
                    var name = r.string();
                    f.topic(name);
                    if (v >= 7) names.learn(r.uuid(), name);
                    f.error(r.i16());
                    if (v >= 1) r.nullableString(); // error message
                    if (v >= 5) {
                        f.partitions += Math.max(0, r.i32());
                        r.i16(); // replication factor
                        for (int c = 0, n = r.arrayLength(); c < n; c++) {
                            r.string();
                            r.nullableString();
                            r.i8(); // read only
                            r.i8(); // source
                            r.i8(); // sensitive
                            r.tags();
                        }
                    }
                    r.tags();
                }
            }
            case KafkaApis.OFFSET_COMMIT -> {
                if (v >= 3) r.i32(); // throttle
                topicPartitions(f, r, v >= 10, () -> {
                    r.i32(); // partition
                    f.error(r.i16());
                });
            }
            case KafkaApis.OFFSET_FETCH -> {
                if (v >= 3) r.i32(); // throttle
                if (v <= 7) {
                    committedOffsets(f, r, v, false);
                    if (v >= 2) f.error(r.i16());
                } else {
                    for (int g = 0, groups = r.arrayLength(); g < groups; g++) {
                        f.group(r.string());
                        committedOffsets(f, r, v, v >= 10);
                        f.error(r.i16());
                        r.tags();
                    }
                }
            }
            case KafkaApis.FIND_COORDINATOR -> {
                if (v >= 1) r.i32(); // throttle
                if (v <= 3) f.error(r.i16());
                else {
                    for (int c = 0, n = r.arrayLength(); c < n; c++) {
                        r.string(); // key
                        r.i32(); // node id
                        r.string(); // host
                        r.i32(); // port
                        f.error(r.i16());
                        r.nullableString(); // error message
                        r.tags();
                    }
                }
            }
            default -> {
                int at = KafkaApis.errorOffset(q.apiKey, v);
                if (at < 0) return;
                r.skip(at);
                f.error(r.i16());
                f.errorKnown = true;
            }
        }
    }

    private static void committedOffsets(KafkaFrame f, KafkaReader r, int v, boolean byId) {
        topicPartitions(f, r, byId, () -> {
            r.i32(); // partition
            r.i64(); // committed offset
            if (v >= 5) r.i32(); // committed leader epoch
            r.nullableString(); // metadata
            f.error(r.i16());
        });
    }

    /** Whether the API's request or response lists partitions (that {@link KafkaFrame#partitions} counts). */
    static boolean listsPartitions(int apiKey) {
        return readsBody(apiKey) && apiKey != KafkaApis.FIND_COORDINATOR;
    }

    /** Whether the API's bodies are read field by field. */
    static boolean readsBody(int apiKey) {
        return switch (apiKey) {
            case KafkaApis.PRODUCE, KafkaApis.FETCH, KafkaApis.LIST_OFFSETS, KafkaApis.METADATA, KafkaApis.OFFSET_COMMIT,
                 KafkaApis.OFFSET_FETCH, KafkaApis.FIND_COORDINATOR, KafkaApis.CREATE_TOPICS -> true;
            default -> false;
        };
    }

    /**
     * The topics × partitions array most bodies carry: each topic's name (or id, {@code byId}), then its partitions,
     * each read by {@code partition} and closed by its tag buffer.
     */
    private static void topicPartitions(KafkaFrame f, KafkaReader r, boolean byId, Runnable partition) {
        for (int t = 0, topics = r.arrayLength(); t < topics; t++) {
            topic(f, r, byId);
            int parts = r.arrayLength();
            f.partitions += parts;
            for (int p = 0; p < parts; p++) {
                partition.run();
                r.tags();
            }
            r.tags();
        }
    }

    private static void topic(KafkaFrame f, KafkaReader r, boolean byId) {
        if (byId) f.topicId(r.uuid());
        else f.topic(r.string());
    }
}
