package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
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
        var t = new TcpScript("10.0.0.1", 50000, "10.0.0.9", 9092).handshake();
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
            t.send(java.util.Arrays.copyOfRange(q, 0, 3));
            t.send(java.util.Arrays.copyOfRange(q, 3, q.length / 2));
            t.send(java.util.Arrays.copyOfRange(q, q.length / 2, q.length));
            t.reply(java.util.Arrays.copyOfRange(r, 0, 5));
            t.reply(java.util.Arrays.copyOfRange(r, 5, r.length));
        }
        t.close();
        var ms = t.analyze(dir);
        assertThat(ms).extracting(Message::protocol).containsOnly("kafka");
        assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                tuple("ApiVersions v3", "NONE"),
                tuple("Produce v3 orders", "NONE"),
                tuple("Produce v8 orders", "UNKNOWN_TOPIC_OR_PARTITION"),
                tuple("Produce v9 orders", "NONE"),
                tuple("Produce v12 orders", "NONE"),
                tuple("Fetch v4 payments", "NONE"),
                tuple("Fetch v11 payments", "NONE"),
                tuple("Fetch v12 payments", "NONE"),
                tuple("Fetch v13 00000000-0000-0000-0000-000000000001", "NONE"),
                tuple("Metadata v12 orders", "NONE"));
        assertThat(ms.get(2).error()).isTrue();
        assertThat(kafka(ms.get(1))).containsEntry("partitions", 2L).containsEntry("client_id", "kscope-test")
                .containsEntry("topics", List.of("orders")).containsEntry("correlation_id", 8L);
        assertThat((Long) kafka(ms.get(4)).get("record_bytes")).isGreaterThan(100);
        assertThat(ms).allSatisfy(m -> {
            assertThat(m.problem()).isNull();
            assertThat(kafka(m)).doesNotContainKey("note");
            assertThat(m.dst().port()).isEqualTo(9092);
        });
    }
}
