package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kscope.traffic.Replay.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * Kafka bytes made by the real client library's encoders (kafka-clients: request/response headers and bodies
 * for each version), cut into odd TCP segments, dissected.
 */
class KafkaTest {
    @TempDir
    Path dir;
    static final Uuid TOPIC_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    int correlation = 7;

    byte[] request(ApiKeys api, short version, ApiMessage body) {
        var header = new RequestHeader(api, version, "kscope-test", correlation);
        return sized(RequestUtils.serialize(header.data(), header.headerVersion(), body, version));
    }

    byte[] response(ApiKeys api, short version, ApiMessage body) {
        var header = new ResponseHeader(correlation++, api.responseHeaderVersion(version));
        return sized(RequestUtils.serialize(header.data(), header.headerVersion(), body, version));
    }

    static byte[] sized(ByteBuffer b) {
        var out = ByteBuffer.allocate(4 + b.remaining()).putInt(b.remaining()).put(b);
        return out.array();
    }

    static MemoryRecords records() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("key".getBytes(StandardCharsets.UTF_8),
                "value".getBytes(StandardCharsets.UTF_8)));
    }

    ApiMessage produce(String topic) {
        return new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000).setTopicData(
                new ProduceRequestData.TopicProduceDataCollection(List.of(new ProduceRequestData.TopicProduceData()
                        .setName(topic).setTopicId(TOPIC_ID).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records()),
                                new ProduceRequestData.PartitionProduceData().setIndex(1).setRecords(records())))).iterator()));
    }

    ApiMessage produced(String topic, short error) {
        return new ProduceResponseData().setResponses(new ProduceResponseData.TopicProduceResponseCollection(List.of(
                new ProduceResponseData.TopicProduceResponse().setName(topic).setTopicId(TOPIC_ID).setPartitionResponses(List.of(
                        new ProduceResponseData.PartitionProduceResponse().setIndex(0).setErrorCode(error)))).iterator()));
    }

    ApiMessage fetch(String topic) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(TOPIC_ID)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)))));
    }

    ApiMessage fetched(String topic) {
        return new FetchResponseData().setResponses(List.of(new FetchResponseData.FetchableTopicResponse().setTopic(topic)
                .setTopicId(TOPIC_ID).setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0)
                        .setHighWatermark(1).setRecords(records())))));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> kafka(Message m) {
        return (Map<String, Object>) m.details().get("kafka");
    }

    @Test
    void produceFetchMetadataAcrossVersions() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 50000, "10.0.0.9", 9092).handshake(MS);
        short[][] calls = {{18, 3}, {0, 3}, {0, 8}, {0, 9}, {0, 12}, {1, 4}, {1, 11}, {1, 12}, {1, 13}, {3, 12}};
        for (var c : calls) {
            var api = ApiKeys.forId(c[0]);
            short v = c[1];
            byte[] q, r;
            switch (api) {
                case API_VERSIONS -> {
                    q = request(api, v, new ApiVersionsRequestData().setClientSoftwareName("kscope").setClientSoftwareVersion("1"));
                    r = response(api, v, new ApiVersionsResponseData());
                }
                case PRODUCE -> {
                    q = request(api, v, produce("orders"));
                    r = response(api, v, produced("orders", (short) (v == 8 ? 3 : 0)));
                }
                case FETCH -> {
                    q = request(api, v, fetch("payments"));
                    r = response(api, v, fetched("payments"));
                }
                default -> {
                    q = request(api, v, new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("orders"))));
                    r = response(api, v, new MetadataResponseData());
                }
            }
            // Odd pieces: the size prefix split, the body split.
            t.send(MS, java.util.Arrays.copyOfRange(q, 0, 3));
            t.send(MS, java.util.Arrays.copyOfRange(q, 3, q.length / 2));
            t.send(MS, java.util.Arrays.copyOfRange(q, q.length / 2, q.length));
            t.reply(MS, java.util.Arrays.copyOfRange(r, 0, 5));
            t.reply(MS, java.util.Arrays.copyOfRange(r, 5, r.length));
        }
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).extracting(Message::protocol).containsOnly("kafka");
        assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                tuple("ApiVersions v3", "NONE"),
                tuple("Produce v3 orders (2 records)", "NONE"),
                tuple("Produce v8 orders (2 records)", "UNKNOWN_TOPIC_OR_PARTITION"),
                tuple("Produce v9 orders (2 records)", "NONE"),
                tuple("Produce v12 orders (2 records)", "NONE"),
                tuple("Fetch v4 payments (1 record)", "NONE"),
                tuple("Fetch v11 payments (1 record)", "NONE"),
                tuple("Fetch v12 payments (1 record)", "NONE"),
                tuple("Fetch v13 AAAAAAAAAAAAAAAAAAAAAQ (1 record)", "NONE"), // no Metadata named the id
                tuple("Metadata v12 orders", "NONE"));
        assertThat(ms.get(2).error()).isTrue();
        assertThat(kafka(ms.get(1))).containsEntry("partitions", 2L).containsEntry("client_id", "kscope-test")
                .containsEntry("topics", List.of("orders")).containsEntry("correlation_id", 8L);
        assertThat((Long) kafka(ms.get(4)).get("record_bytes")).isGreaterThan(100);
        assertThat(kafka(ms.get(8))).containsEntry("topic_ids", List.of(TOPIC_ID.toString()))
                .containsEntry("records", 1L).containsEntry("compression", "none");
        assertThat(ms).allSatisfy(m -> {
            assertThat(m.problem()).isNull();
            assertThat(kafka(m)).doesNotContainKey("note");
            assertThat(m.dst().port()).isEqualTo(9092);
        });
    }

    static final Uuid PAYMENTS_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAg");

    static MemoryRecords gzipped() {
        var v = "v".getBytes(StandardCharsets.UTF_8);
        return MemoryRecords.withRecords(Compression.gzip().build(), new SimpleRecord(v), new SimpleRecord(v), new SimpleRecord(v));
    }

    /**
     * Every version of the APIs read field by field (and of two whose group is read) that kafka-clients speaks,
     * with two topics, several partitions, plain and gzip record batches and errors; topic ids are named by
     * the Metadata response that comes first (on another connection).
     */
    @Test
    void everyVersionOfTheReadApis() {
        var replay = new Replay();
        var naming = replay.tcp("10.0.0.1", 49999, "10.0.0.9", 9092).handshake(MS);
        naming.send(MS, request(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null)));
        naming.reply(MS, response(ApiKeys.METADATA, (short) 12, metadata((short) 0)));
        naming.close(MS);
        var t = replay.tcp("10.0.0.1", 50000, "10.0.0.9", 9092).handshake(MS);
        var expected = new java.util.ArrayList<org.assertj.core.groups.Tuple>();
        for (var api : List.of(ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS,
                ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.HEARTBEAT)) {
            for (short v = api.oldestVersion(); v <= api.latestVersion(); v++) {
                short error = (short) (v % 2 == 0 ? 0 : 3); // UNKNOWN_TOPIC_OR_PARTITION in odd versions
                String errorName = error == 0 ? "NONE" : "UNKNOWN_TOPIC_OR_PARTITION";
                switch (api) {
                    case PRODUCE -> {
                        t.send(MS, request(api, v, new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000).setTopicData(
                                new ProduceRequestData.TopicProduceDataCollection(List.of(
                                        new ProduceRequestData.TopicProduceData().setName("orders").setTopicId(TOPIC_ID).setPartitionData(List.of(
                                                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records()),
                                                new ProduceRequestData.PartitionProduceData().setIndex(1).setRecords(records()))),
                                        new ProduceRequestData.TopicProduceData().setName("payments").setTopicId(PAYMENTS_ID).setPartitionData(List.of(
                                                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(gzipped())))).iterator()))));
                        t.reply(MS, response(api, v, new ProduceResponseData().setResponses(new ProduceResponseData.TopicProduceResponseCollection(List.of(
                                new ProduceResponseData.TopicProduceResponse().setName("orders").setTopicId(TOPIC_ID).setPartitionResponses(List.of(
                                        new ProduceResponseData.PartitionProduceResponse().setIndex(0),
                                        new ProduceResponseData.PartitionProduceResponse().setIndex(1))),
                                new ProduceResponseData.TopicProduceResponse().setName("payments").setTopicId(PAYMENTS_ID).setPartitionResponses(List.of(
                                        new ProduceResponseData.PartitionProduceResponse().setIndex(0).setErrorCode(error)
                                                .setRecordErrors(List.of(new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(0)))
                                                .setErrorMessage("no")))).iterator()))));
                        expected.add(tuple("Produce v" + v + " orders,payments (5 records)", errorName, 3L, 5L, "none,gzip"));
                    }
                    case FETCH -> {
                        t.send(MS, request(api, v, new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20)
                                .setSessionId(0).setSessionEpoch(v < 7 ? -1 : 0).setRackId("r1").setTopics(List.of(
                                        new FetchRequestData.FetchTopic().setTopic("orders").setTopicId(TOPIC_ID).setPartitions(List.of(
                                                new FetchRequestData.FetchPartition().setPartition(0).setPartitionMaxBytes(1 << 20)
                                                        .setReplicaDirectoryId(Uuid.randomUuid()))),
                                        new FetchRequestData.FetchTopic().setTopic("payments").setTopicId(PAYMENTS_ID).setPartitions(List.of(
                                                new FetchRequestData.FetchPartition().setPartition(0).setPartitionMaxBytes(1 << 20)))))
                                .setForgottenTopicsData(v < 7 ? List.of() : List.of(new FetchRequestData.ForgottenTopic().setTopic("old")
                                        .setTopicId(Uuid.randomUuid()).setPartitions(List.of(4))))));
                        t.reply(MS, response(api, v, new FetchResponseData().setSessionId(v < 7 ? 0 : 77).setResponses(List.of(
                                new FetchResponseData.FetchableTopicResponse().setTopic("orders").setTopicId(TOPIC_ID).setPartitions(List.of(
                                        new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(1).setRecords(records())
                                                .setAbortedTransactions(List.of(new FetchResponseData.AbortedTransaction().setProducerId(1))))),
                                new FetchResponseData.FetchableTopicResponse().setTopic("payments").setTopicId(PAYMENTS_ID).setPartitions(List.of(
                                        new FetchResponseData.PartitionData().setPartitionIndex(0).setErrorCode(error).setRecords(gzipped())))))));
                        expected.add(tuple("Fetch v" + v + " orders,payments (4 records)", errorName, 2L, 4L, "none,gzip"));
                    }
                    case LIST_OFFSETS -> {
                        t.send(MS, request(api, v, new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                                new ListOffsetsRequestData.ListOffsetsTopic().setName("orders").setPartitions(List.of(
                                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-2),
                                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(1).setTimestamp(-2)))))));
                        t.reply(MS, response(api, v, new ListOffsetsResponseData().setTopics(List.of(
                                new ListOffsetsResponseData.ListOffsetsTopicResponse().setName("orders").setPartitions(List.of(
                                        new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(0).setOffset(5),
                                        new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(1).setErrorCode(error)))))));
                        expected.add(tuple("ListOffsets v" + v + " orders", errorName, 2L, null, null));
                    }
                    case METADATA -> {
                        t.send(MS, request(api, v, new MetadataRequestData().setTopics(List.of(
                                new MetadataRequestData.MetadataRequestTopic().setName("orders").setTopicId(v >= 10 ? TOPIC_ID : Uuid.ZERO_UUID)))));
                        t.reply(MS, response(api, v, metadata(error)));
                        expected.add(tuple("Metadata v" + v + " orders,payments", errorName, 3L, null, null));
                    }
                    case OFFSET_COMMIT -> {
                        t.send(MS, request(api, v, new OffsetCommitRequestData().setGroupId("g1").setMemberId("m1").setTopics(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("orders").setTopicId(TOPIC_ID).setPartitions(List.of(
                                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)
                                                .setCommittedMetadata("m"),
                                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(1)))))));
                        t.reply(MS, response(api, v, new OffsetCommitResponseData().setTopics(List.of(
                                new OffsetCommitResponseData.OffsetCommitResponseTopic().setName("orders").setTopicId(TOPIC_ID).setPartitions(List.of(
                                        new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(0),
                                        new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode(error)))))));
                        expected.add(tuple("OffsetCommit v" + v + " group=g1 orders", errorName, 2L, null, null));
                    }
                    case OFFSET_FETCH -> {
                        var fetchTopics = List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("orders").setTopicId(TOPIC_ID)
                                .setPartitionIndexes(List.of(0, 1)));
                        t.send(MS, request(api, v, v <= 7
                                ? new OffsetFetchRequestData().setGroupId("g1").setTopics(List.of(
                                        new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("orders").setPartitionIndexes(List.of(0, 1))))
                                : new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                                        .setGroupId("g1").setTopics(fetchTopics)))));
                        t.reply(MS, response(api, v, v <= 7
                                ? new OffsetFetchResponseData().setErrorCode(v >= 2 ? error : 0).setTopics(List.of(
                                        new OffsetFetchResponseData.OffsetFetchResponseTopic().setName("orders").setPartitions(List.of(
                                                new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(0).setCommittedOffset(5),
                                                new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(1).setErrorCode(error)))))
                                : new OffsetFetchResponseData().setGroups(List.of(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                                        .setGroupId("g1").setErrorCode(error).setTopics(List.of(
                                                new OffsetFetchResponseData.OffsetFetchResponseTopics().setName("orders").setTopicId(TOPIC_ID)
                                                        .setPartitions(List.of(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                                                                .setPartitionIndex(0).setCommittedOffset(5)))))))));
                        expected.add(tuple("OffsetFetch v" + v + " group=g1 orders", errorName, 2L, null, null));
                    }
                    case FIND_COORDINATOR -> {
                        t.send(MS, request(api, v, v <= 3 ? new FindCoordinatorRequestData().setKey("g1")
                                : new FindCoordinatorRequestData().setCoordinatorKeys(List.of("g1", "g2"))));
                        t.reply(MS, response(api, v, v <= 3 ? new FindCoordinatorResponseData().setErrorCode(error).setHost("b1")
                                : new FindCoordinatorResponseData().setCoordinators(List.of(
                                        new FindCoordinatorResponseData.Coordinator().setKey("g1").setHost("b1"),
                                        new FindCoordinatorResponseData.Coordinator().setKey("g2").setErrorCode(error)))));
                        expected.add(tuple("FindCoordinator v" + v + " group=" + (v <= 3 ? "g1" : "g1,g2"), errorName, null, null, null));
                    }
                    case JOIN_GROUP -> {
                        t.send(MS, request(api, v, new JoinGroupRequestData().setGroupId("g1").setSessionTimeoutMs(10_000).setMemberId("")
                                .setProtocolType("consumer")));
                        t.reply(MS, response(api, v, new JoinGroupResponseData().setErrorCode(Errors.MEMBER_ID_REQUIRED.code()).setMemberId("m1")));
                        expected.add(tuple("JoinGroup v" + v + " group=g1", "MEMBER_ID_REQUIRED", null, null, null));
                    }
                    case HEARTBEAT -> {
                        t.send(MS, request(api, v, new HeartbeatRequestData().setGroupId("g1").setGenerationId(1).setMemberId("m1")));
                        t.reply(MS, response(api, v, new HeartbeatResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code())));
                        expected.add(tuple("Heartbeat v" + v + " group=g1", "REBALANCE_IN_PROGRESS", null, null, null));
                    }
                    default -> {
                        t.send(MS, request(api, v, new CreateTopicsRequestData().setTimeoutMs(1000).setTopics(
                                new CreateTopicsRequestData.CreatableTopicCollection(List.of(new CreateTopicsRequestData.CreatableTopic()
                                        .setName("orders").setNumPartitions(3).setReplicationFactor((short) 1).setConfigs(
                                                new CreateTopicsRequestData.CreatableTopicConfigCollection(List.of(
                                                        new CreateTopicsRequestData.CreatableTopicConfig().setName("cleanup.policy")
                                                                .setValue("compact")).iterator()))).iterator()))));
                        t.reply(MS, response(api, v, new CreateTopicsResponseData().setTopics(new CreateTopicsResponseData.CreatableTopicResultCollection(
                                List.of(new CreateTopicsResponseData.CreatableTopicResult().setName("orders").setTopicId(TOPIC_ID)
                                        .setErrorCode((short) (error == 0 ? 0 : 36)).setErrorMessage(error == 0 ? null : "exists")
                                        .setNumPartitions(3).setReplicationFactor((short) 1)
                                        .setConfigs(List.of(new CreateTopicsResponseData.CreatableTopicConfigs().setName("cleanup.policy")
                                                .setValue("compact")))).iterator()))));
                        expected.add(tuple("CreateTopics v" + v + " orders", error == 0 ? "NONE" : "TOPIC_ALREADY_EXISTS", 3L, null, null));
                    }
                }
            }
        }
        t.close(MS);
        var ms = Replay.analyzeFrames(dir.resolve("versions.pcap"), replay.frames);
        assertThat(ms.getFirst().summary()).isEqualTo("Metadata v12 orders,payments");
        assertThat(ms.subList(1, ms.size())).extracting(Message::summary, Message::status, m -> kafka(m).get("partitions"),
                m -> kafka(m).get("records"), m -> kafka(m).get("compression")).containsExactlyElementsOf(expected);
        assertThat(ms).allSatisfy(m -> {
            assertThat(m.problem()).isNull();
            assertThat(kafka(m)).doesNotContainKey("note");
        });
        assertThat(ms).filteredOn(m -> kafka(m).get("api").equals("Fetch") && (Long) kafka(m).get("api_version") >= 13)
                .allSatisfy(m -> assertThat(kafka(m)).containsEntry("topic_ids", List.of(TOPIC_ID.toString(), PAYMENTS_ID.toString())))
                .isNotEmpty();
        assertThat(ms).filteredOn(m -> kafka(m).get("api").equals("Fetch") && (Long) kafka(m).get("api_version") >= 7)
                .allSatisfy(m -> assertThat(kafka(m)).containsEntry("session_id", 77L).containsEntry("session_epoch", 0L));
    }

    static ApiMessage metadata(short error) {
        return new MetadataResponseData().setClusterId("c1").setControllerId(1)
                .setBrokers(new MetadataResponseData.MetadataResponseBrokerCollection(List.of(new MetadataResponseData.MetadataResponseBroker()
                        .setNodeId(1).setHost("broker-1").setPort(9092).setRack("r1")).iterator()))
                .setTopics(new MetadataResponseData.MetadataResponseTopicCollection(List.of(
                        new MetadataResponseData.MetadataResponseTopic().setName("orders").setTopicId(TOPIC_ID).setPartitions(List.of(
                                new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(0).setReplicaNodes(List.of(1)).setIsrNodes(List.of(1)),
                                new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(1).setReplicaNodes(List.of(1)).setIsrNodes(List.of(1))
                                        .setOfflineReplicas(List.of(2)))),
                        new MetadataResponseData.MetadataResponseTopic().setName("payments").setTopicId(PAYMENTS_ID).setErrorCode(error)
                                .setPartitions(List.of(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(0)))).iterator()));
    }

    /** A Fetch response of 200 one-KiB batches: the batches in the first 64 KiB are counted, the rest streams past. */
    @Test
    void largeFetchResponseIsCountedAsFarAsItIsRead() {
        var batches = java.nio.ByteBuffer.allocate(200 * 2048);
        var value = new byte[1000];
        for (long offset = 0; offset < 200; offset++) {
            var b = MemoryRecords.withRecords(offset, Compression.NONE, new SimpleRecord(value));
            batches.put(b.buffer());
        }
        batches.flip();
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 50000, "10.0.0.9", 9092).handshake(MS);
        short v = 16;
        t.send(MS, request(ApiKeys.FETCH, v, fetch("payments")));
        var r = response(ApiKeys.FETCH, v, new FetchResponseData().setResponses(List.of(new FetchResponseData.FetchableTopicResponse()
                .setTopicId(TOPIC_ID).setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0)
                        .setHighWatermark(200).setRecords(MemoryRecords.readableRecords(batches)))))));
        for (int at = 0; at < r.length; at += 1448) t.reply(MS, java.util.Arrays.copyOfRange(r, at, Math.min(r.length, at + 1448)));
        t.send(MS, request(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of())));
        t.reply(MS, response(ApiKeys.METADATA, (short) 12, new MetadataResponseData()));
        t.close(MS);
        var ms = replay.analyze(dir);
        assertThat(ms).extracting(Message::summary).containsExactly("Fetch v16 AAAAAAAAAAAAAAAAAAAAAQ (62 records)", "Metadata v12");
        assertThat(ms.getFirst().status()).isEqualTo("NONE");
        assertThat(kafka(ms.getFirst())).containsEntry("note", "only the first 64 KiB of " + (r.length - 4) + " bytes read: counts are partial");
        assertThat(ms.getFirst().responseBytes()).isEqualTo(r.length);
        assertThat(ms.get(1).problem()).isNull(); // the stream stayed in step after the large frame
    }

    /** A failed CreateTopics answers with the zero topic id: that names nothing. */
    @Test
    void theZeroTopicIdIsNeverNamed() {
        var replay = new Replay();
        var t = replay.tcp("10.0.0.1", 50000, "10.0.0.9", 9092).handshake(MS);
        short v = 7;
        t.send(MS, request(ApiKeys.CREATE_TOPICS, v, new CreateTopicsRequestData().setTopics(new CreateTopicsRequestData.CreatableTopicCollection(
                List.of(new CreateTopicsRequestData.CreatableTopic().setName("orders").setNumPartitions(1).setReplicationFactor((short) 1)).iterator()))));
        t.reply(MS, response(ApiKeys.CREATE_TOPICS, v, new CreateTopicsResponseData().setTopics(new CreateTopicsResponseData.CreatableTopicResultCollection(
                List.of(new CreateTopicsResponseData.CreatableTopicResult().setName("orders").setTopicId(Uuid.ZERO_UUID).setErrorCode((short) 36)
                        .setNumPartitions(-1).setReplicationFactor((short) -1)).iterator()))));
        t.send(MS, request(ApiKeys.FETCH, (short) 13, new FetchRequestData().setReplicaId(-1).setSessionEpoch(-1).setTopics(List.of(
                new FetchRequestData.FetchTopic().setTopicId(Uuid.ZERO_UUID).setPartitions(List.of(new FetchRequestData.FetchPartition()))))));
        t.reply(MS, response(ApiKeys.FETCH, (short) 13, new FetchResponseData().setErrorCode((short) 100)));
        t.close(MS);
        assertThat(replay.analyze(dir)).extracting(Message::summary, Message::status).containsExactly(
                tuple("CreateTopics v7 orders", "TOPIC_ALREADY_EXISTS"),
                tuple("Fetch v13 AAAAAAAAAAAAAAAAAAAAAA", "UNKNOWN_TOPIC_ID"));
    }

    /**
     * The dissector fuzzer's Kafka streams: Produce and Fetch in a classic, a flexible and a topic-id version,
     * and the other APIs read field by field in their newest version (requests, or the responses in order).
     */
    List<String> fuzzSeeds(boolean requests) {
        var out = new java.util.ArrayList<byte[]>();
        for (short v : new short[]{3, 9, 13}) out.add(requests ? request(ApiKeys.PRODUCE, v, produce("t")) : response(ApiKeys.PRODUCE, v, produced("t", (short) 0)));
        for (short v : new short[]{4, 12, 18}) out.add(requests ? request(ApiKeys.FETCH, v, fetch("t")) : response(ApiKeys.FETCH, v, fetched("t")));
        short v = 13;
        out.add(requests ? request(ApiKeys.METADATA, v, new MetadataRequestData().setTopics(null)) : response(ApiKeys.METADATA, v, metadata((short) 3)));
        v = 9;
        out.add(requests ? request(ApiKeys.OFFSET_COMMIT, v, new OffsetCommitRequestData().setGroupId("g").setMemberId("m").setTopics(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setCommittedMetadata("x"))))))
                : response(ApiKeys.OFFSET_COMMIT, v, new OffsetCommitResponseData().setTopics(List.of(
                        new OffsetCommitResponseData.OffsetCommitResponseTopic().setName("t").setPartitions(List.of(
                                new OffsetCommitResponseData.OffsetCommitResponsePartition()))))));
        out.add(requests ? request(ApiKeys.OFFSET_FETCH, v, new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId("g").setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0)))))))
                : response(ApiKeys.OFFSET_FETCH, v, new OffsetFetchResponseData().setGroups(List.of(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                        .setGroupId("g").setTopics(List.of(new OffsetFetchResponseData.OffsetFetchResponseTopics().setName("t").setPartitions(List.of(
                                new OffsetFetchResponseData.OffsetFetchResponsePartitions().setMetadata("x")))))))));
        v = 6;
        out.add(requests ? request(ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData().setCoordinatorKeys(List.of("g")))
                : response(ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorResponseData().setCoordinators(List.of(
                        new FindCoordinatorResponseData.Coordinator().setKey("g").setHost("h")))));
        v = 7;
        out.add(requests ? request(ApiKeys.CREATE_TOPICS, v, new CreateTopicsRequestData().setTopics(new CreateTopicsRequestData.CreatableTopicCollection(
                List.of(new CreateTopicsRequestData.CreatableTopic().setName("t").setNumPartitions(1).setReplicationFactor((short) 1)).iterator())))
                : response(ApiKeys.CREATE_TOPICS, v, new CreateTopicsResponseData().setTopics(new CreateTopicsResponseData.CreatableTopicResultCollection(
                        List.of(new CreateTopicsResponseData.CreatableTopicResult().setName("t").setTopicId(TOPIC_ID)).iterator()))));
        v = 11;
        out.add(requests ? request(ApiKeys.LIST_OFFSETS, v, new ListOffsetsRequestData().setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic()
                .setName("t").setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition())))))
                : response(ApiKeys.LIST_OFFSETS, v, new ListOffsetsResponseData().setTopics(List.of(new ListOffsetsResponseData.ListOffsetsTopicResponse()
                        .setName("t").setPartitions(List.of(new ListOffsetsResponseData.ListOffsetsPartitionResponse()))))));
        return out.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }
}
