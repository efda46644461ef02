package dev.kscope.traffic;

import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.message.Message;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * A real Kafka broker (KRaft, broker and controller in one node, in this JVM) on 127.0.0.1:26092, the real
 * Admin, KafkaProducer and KafkaConsumer (which negotiate the newest versions: flexible, topic ids, fetch
 * sessions), tcpdump; tshark's Kafka dissector as the oracle for what it decodes (Wireshark 4.0 knows the
 * headers of every version, the bodies of older ones: a raw client speaks those to the same broker).
 */
@Tag("root")
class RealKafkaTest {
    static final int BROKER_PORT = 26092, CONTROLLER_PORT = 26093, PROBE_PORT = 26094;
    static final String BOOTSTRAP = "127.0.0.1:" + BROKER_PORT;
    /** A second listener, outside the capture, for the test's own readiness checks. */
    static final String PROBE = "127.0.0.1:" + PROBE_PORT;
    static final String ORDERS = "kfk-orders", PAYMENTS = "kfk-payments", LEGACY = "kfk-legacy", GROUPED = "kfk-grouped";
    static Path dir;
    static KafkaRaftServer broker;

    @BeforeAll
    static void startBroker() throws Exception {
        dir = Path.of("/tmp/kfk-broker-" + ProcessHandle.current().pid());
        LoopbackCapture.run("rm", "-rf", dir.toString());
        var props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + CONTROLLER_PORT);
        props.put("listeners", "PLAINTEXT://" + BOOTSTRAP + ",PROBE://" + PROBE + ",CONTROLLER://127.0.0.1:" + CONTROLLER_PORT);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,PROBE:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dir.toString());
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream())).setNodeId(1)
                .setClusterId("kfk-kscope-test-cluster0").setDirectories(Set.of(dir.toString()))
                .setMetadataLogDirectory(dir.toString()).setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION).run();
        broker = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        broker.startup();
        // Readiness: topics can be created, and an idempotent producer got its producer id and wrote (so the
        // captured producers below meet a broker past its start-up errors, e.g. COORDINATOR_LOAD_IN_PROGRESS).
        try (var admin = Admin.create(Map.of("bootstrap.servers", PROBE))) {
            admin.createTopics(List.of(new NewTopic("kfk-warmup", 1, (short) 1), new NewTopic(LEGACY, 1, (short) 1),
                    new NewTopic(GROUPED, 1, (short) 1))).all().get();
            awaitLeaders(admin, new TopicPartition("kfk-warmup", 0), new TopicPartition(LEGACY, 0), new TopicPartition(GROUPED, 0));
        }
        try (var p = producer("lz4", "kfk-warmup")) {
            for (var topic : List.of("kfk-warmup", GROUPED, GROUPED, GROUPED)) p.send(new ProducerRecord<>(topic, "ready"));
            p.flush();
        }
        // The group coordinator: its offsets topic is created on first use, a group then finds it loaded.
        try (var c = groupConsumer("kfk-warmup-group", "kfk-warmup")) {
            c.subscribe(List.of("kfk-warmup"));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (c.poll(Duration.ofMillis(100)).isEmpty()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the warm-up group read nothing in 60 s");
            }
            c.commitSync();
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.shutdown();
            broker.awaitShutdown();
        }
        LoopbackCapture.run("rm", "-rf", dir.toString());
    }

    /**
     * CreateTopics answers once the controller committed the topics; the broker leads their partitions a
     * moment later. ListOffsets answers only from the leader.
     */
    static void awaitLeaders(Admin admin, TopicPartition... partitions) throws Exception {
        var latest = new HashMap<TopicPartition, OffsetSpec>();
        for (var p : partitions) latest.put(p, OffsetSpec.latest());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                admin.listOffsets(latest).all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) throw e;
                Thread.sleep(50);
            }
        }
    }

    static KafkaProducer<String, String> producer(String compression, String clientId) {
        // A long linger and flush(): the five records go out in one batch, so one Produce request.
        return new KafkaProducer<>(Map.of("bootstrap.servers", BOOTSTRAP, "acks", "all", "compression.type", compression,
                "linger.ms", "60000", "client.id", clientId), new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> groupConsumer(String group, String clientId) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", BOOTSTRAP, "group.id", group, "client.id", clientId,
                "auto.offset.reset", "earliest", "enable.auto.commit", "false"), new StringDeserializer(), new StringDeserializer());
    }

    /** A consumer in a group (the classic protocol): it joins, is assigned the partition, reads, commits and leaves. */
    @Test
    void consumerGroup() throws Exception {
        try (var cap = new LoopbackCapture("kfk-group", false, "tcp port " + BROKER_PORT)) {
            var got = new ArrayList<String>();
            try (var c = groupConsumer("kfk-group", "kfk-member")) {
                c.subscribe(List.of(GROUPED));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (got.size() < 3 && System.nanoTime() < deadline) {
                    for (var r : c.poll(Duration.ofMillis(200))) got.add(r.value());
                }
                c.commitSync();
            }
            assertThat(got).hasSize(3);
            var pcap = cap.stop();
            var ms = Replay.analyzeFile(pcap);
            assertThat(ms).isNotEmpty().allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(kafka(m)).doesNotContainKey("note");
                assertThat(m.latencyNanos()).isPositive();
            });
            // Heartbeats come every 3 s, so a slow run has some: they are NONE like the rest but not counted.
            assertThat(ms).filteredOn(m -> !m.status().equals("NONE")).extracting(Message::summary)
                    .containsExactly("JoinGroup v9 group=kfk-group");
            assertThat(ms).filteredOn(m -> kafka(m).containsKey("group") && !kafka(m).get("api").equals("Heartbeat"))
                    .extracting(Message::summary, Message::status, m -> kafka(m).get("partitions")).containsExactly(
                            tuple("FindCoordinator v6 group=kfk-group", "NONE", null),
                            tuple("JoinGroup v9 group=kfk-group", "MEMBER_ID_REQUIRED", null), // the classic protocol's first join
                            tuple("JoinGroup v9 group=kfk-group", "NONE", null),
                            tuple("SyncGroup v5 group=kfk-group", "NONE", null),
                            tuple("OffsetFetch v9 group=kfk-group " + GROUPED, "NONE", 1L),
                            tuple("OffsetCommit v9 group=kfk-group " + GROUPED, "NONE", 1L),
                            tuple("LeaveGroup v5 group=kfk-group", "NONE", null));
            assertThat(ms).filteredOn(m -> kafka(m).get("api").equals("Fetch")).first().extracting(Message::summary,
                    m -> kafka(m).get("compression")).containsExactly("Fetch v18 " + GROUPED + " (3 records)", "lz4");
            assertSameRequestsAsTshark(pcap, ms);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> kafka(Message m) {
        return (Map<String, Object>) m.details().get("kafka");
    }

    static List<Message> from(List<Message> ms, String clientId, String api) {
        return ms.stream().filter(m -> clientId.equals(kafka(m).get("client_id")) && api.equals(kafka(m).get("api"))).toList();
    }

    /**
     * Admin creates two topics (and fails to create one again), a producer writes five records uncompressed
     * and another five with zstd (acks=all), a consumer fetches all ten; every message of the capture is
     * checked, and every request against tshark's reading of its header.
     */
    @Test
    void clientsOfTheSameVersionAsTheBroker() throws Exception {
        try (var cap = new LoopbackCapture("kfk-clients", false, "tcp port " + BROKER_PORT)) {
            Map<String, String> ids = new HashMap<>();
            try (var admin = Admin.create(Map.of("bootstrap.servers", BOOTSTRAP, "client.id", "kfk-admin"))) {
                var created = admin.createTopics(List.of(new NewTopic(ORDERS, 2, (short) 1), new NewTopic(PAYMENTS, 1, (short) 1)));
                created.all().get();
                for (var t : List.of(ORDERS, PAYMENTS)) ids.put(t, created.topicId(t).get().toString()); // as kafka-topics.sh prints it
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(ORDERS, 2, (short) 1))).all().get())
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicExistsException.class);
            }
            try (var probe = Admin.create(Map.of("bootstrap.servers", PROBE))) {
                awaitLeaders(probe, new TopicPartition(ORDERS, 0), new TopicPartition(ORDERS, 1), new TopicPartition(PAYMENTS, 0)); // or the first Produce may meet NOT_LEADER_OR_FOLLOWER (and be retried)
            }
            for (var c : List.of("none", "zstd")) {
                var topic = c.equals("none") ? ORDERS : PAYMENTS;
                try (var p = producer(c, "kfk-producer-" + c)) {
                    for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, "value " + i));
                    p.flush();
                }
            }
            var got = new ArrayList<String>();
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", BOOTSTRAP,
                    "client.id", "kfk-consumer", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition(ORDERS, 0), new TopicPartition(PAYMENTS, 0)));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (got.size() < 10 && System.nanoTime() < deadline) {
                    for (var r : consumer.poll(Duration.ofMillis(200))) got.add(r.topic() + ":" + r.value());
                }
            }
            assertThat(got).hasSize(10);
            var pcap = cap.stop();
            var ms = Replay.analyzeFile(pcap);

            assertThat(ms).isNotEmpty().allSatisfy(m -> {
                assertThat(m.protocol()).isEqualTo("kafka");
                assertThat(m.problem()).isNull(); // paired: the response's correlation id matched the request's
                assertThat(kafka(m)).doesNotContainKey("note"); // every body read to its end
                assertThat(m.latencyNanos()).isPositive();
                assertThat(m.dst().port()).isEqualTo(BROKER_PORT);
                assertThat(kafka(m).get("client_id")).asString().startsWith("kfk-");
            });
            assertThat(ms).filteredOn(m -> !m.status().equals("NONE")).extracting(Message::summary, Message::status)
                    .containsExactly(tuple("CreateTopics v7 " + ORDERS, "TOPIC_ALREADY_EXISTS"));
            assertThat(ms).extracting(m -> kafka(m).get("api") + " v" + kafka(m).get("api_version")).contains(
                    "ApiVersions v5", "Metadata v13", "CreateTopics v7", "InitProducerId v5", "Produce v13", "ListOffsets v11", "Fetch v18");

            assertThat(ms).filteredOn(m -> kafka(m).get("client_id").equals("kfk-admin")).extracting(Message::summary,
                    m -> kafka(m).get("partitions"), Message::status).containsExactly(
                    tuple("ApiVersions v5", null, "NONE"),
                    tuple("Metadata v13", 0L, "NONE"),
                    tuple("ApiVersions v5", null, "NONE"),
                    tuple("CreateTopics v7 " + ORDERS + "," + PAYMENTS, 3L, "NONE"),
                    tuple("CreateTopics v7 " + ORDERS, 2L, "TOPIC_ALREADY_EXISTS"));
            // Produce v13 names topics by id only: the names come from the CreateTopics and Metadata responses.
            for (var c : List.of("none", "zstd")) {
                var topic = c.equals("none") ? ORDERS : PAYMENTS;
                var calls = ms.stream().filter(m -> kafka(m).get("client_id").equals("kfk-producer-" + c)).toList();
                // Whether the producer's sender thread first asks for the metadata of no topic depends on its timing,
                // not on kscope: such a call must read as that (no topic, no partition, no error), and is checked apart.
                var topicless = calls.stream().filter(m -> m.summary().equals("Metadata v13")).toList();
                assertThat(topicless).hasSizeLessThanOrEqualTo(1).allSatisfy(m -> {
                    assertThat(kafka(m)).containsEntry("partitions", 0L);
                    assertThat(m.status()).isEqualTo("NONE");
                });
                var producer = calls.stream().filter(m -> !topicless.contains(m)).toList();
                assertThat(producer).extracting(Message::summary, m -> kafka(m).get("partitions")).containsExactly(
                        tuple("ApiVersions v5", null), // bootstrap connection
                        tuple("Metadata v13 " + topic, c.equals("none") ? 2L : 1L),
                        tuple("InitProducerId v5", null),
                        tuple("ApiVersions v5", null), // connection to the partition leader
                        tuple("Produce v13 " + topic + " (5 records)", 1L));
                assertThat(kafka(producer.getLast())).containsEntry("topics", List.of(topic)).containsEntry("topic_ids", List.of(ids.get(topic)))
                        .containsEntry("records", 5L).containsEntry("compression", c).containsEntry("error", "NONE");
                assertThat(producer.getLast().src().port()).isNotEqualTo(producer.getFirst().src().port());
            }
            var listOffsets = from(ms, "kfk-consumer", "ListOffsets");
            assertThat(listOffsets).hasSize(1);
            assertThat(kafka(listOffsets.getFirst())).containsEntry("partitions", 2L);
            assertThat((List<Object>) kafka(listOffsets.getFirst()).get("topics")).containsExactlyInAnyOrder(ORDERS, PAYMENTS);
            // One fetch session: the first Fetch (epoch 0) opens it and brings all ten records, later ones wait
            // for more (epochs 1, 2, …), the last closes it (epoch -1).
            var fetches = from(ms, "kfk-consumer", "Fetch");
            var first = kafka(fetches.getFirst());
            assertThat(first).containsEntry("records", 10L).containsEntry("partitions", 2L).containsEntry("session_epoch", 0L);
            assertThat((List<Object>) first.get("topics")).containsExactlyInAnyOrder(ORDERS, PAYMENTS);
            assertThat((List<Object>) first.get("topic_ids")).containsExactlyInAnyOrder(ids.get(ORDERS), ids.get(PAYMENTS));
            assertThat(first.get("compression").toString().split(",")).containsExactlyInAnyOrder("none", "zstd");
            assertThat(fetches).extracting(m -> kafka(m).get("session_id")).containsOnly(first.get("session_id"));
            assertThat((Long) first.get("session_id")).isNotZero();
            assertThat(fetches.subList(1, fetches.size())).extracting(m -> kafka(m).get("records")).containsOnly(0L);
            assertThat(kafka(fetches.getLast())).containsEntry("session_epoch", -1L);
            // The fields are there for filters (docs/traffic.md's examples).
            var filter = MessageFilter.compile("kafka.api == \"Fetch\" && kafka.records > 0 && \"" + ORDERS + "\" in kafka.topics");
            assertThat(ms).filteredOn(filter::test).containsExactly(fetches.getFirst());

            assertSameRequestsAsTshark(pcap, ms);
        }
    }

    /** tshark reads the same requests (client port, API key, version, correlation id) as the messages show. */
    static void assertSameRequestsAsTshark(Path pcap, List<Message> ms) throws Exception {
        var rows = tshark(pcap, "tcp.srcport", "tcp.dstport", "kafka.api_key", "kafka.api_version", "kafka.correlation_id");
        var theirs = new TreeSet<String>();
        for (var r : rows) {
            if (!r[1].equals("" + BROKER_PORT)) continue;
            var keys = r[2].split(","); // a segment holding several requests: one value per request
            var versions = r[3].split(",");
            var correlations = r[4].split(",");
            for (int i = 0; i < keys.length; i++) theirs.add(r[0] + " " + keys[i] + " v" + versions[i] + " #" + correlations[i]);
        }
        var ours = ms.stream().map(m -> m.src().port() + " " + ApiKeys.valueOf(apiConstant(kafka(m))).id + " v"
                + kafka(m).get("api_version") + " #" + kafka(m).get("correlation_id")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(ours).hasSize(ms.size()).isEqualTo(theirs);
    }

    /** "InitProducerId" -> "INIT_PRODUCER_ID", the library's constant. */
    static String apiConstant(Map<String, Object> k) {
        return k.get("api").toString().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase();
    }

    /**
     * A raw client speaks versions Wireshark 4.0 decodes (ApiVersions v3, Metadata v9, Produce v8, Fetch v11,
     * ListOffsets v5) to the real broker: requests, topics and error codes as tshark reads them, and as the
     * client library parses the broker's responses.
     */
    @Test
    void olderVersionsAgainstTshark() throws Exception {
        try (var cap = new LoopbackCapture("kfk-raw", false, "tcp port " + BROKER_PORT);
             var raw = new RawClient()) {
            var gzip = MemoryRecords.withRecords(Compression.gzip().build(), new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)),
                    new SimpleRecord("b".getBytes(StandardCharsets.UTF_8)), new SimpleRecord("c".getBytes(StandardCharsets.UTF_8)));
            var errors = new ArrayList<Errors>();
            errors.add(raw.call(ApiKeys.API_VERSIONS, 3, new ApiVersionsRequestData().setClientSoftwareName("kfk").setClientSoftwareVersion("1")));
            errors.add(raw.call(ApiKeys.METADATA, 9, new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName(LEGACY), new MetadataRequestData.MetadataRequestTopic().setName("kfk-missing")))));
            errors.add(raw.call(ApiKeys.PRODUCE, 8, new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(
                    new ProduceRequestData.TopicProduceDataCollection(List.of(new ProduceRequestData.TopicProduceData().setName(LEGACY)
                            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(gzip)))).iterator()))));
            errors.add(raw.call(ApiKeys.PRODUCE, 8, new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(
                    new ProduceRequestData.TopicProduceDataCollection(List.of(new ProduceRequestData.TopicProduceData().setName("kfk-missing")
                            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(gzip)))).iterator()))));
            errors.add(raw.call(ApiKeys.LIST_OFFSETS, 5, new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName(LEGACY).setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-2)))))));
            errors.add(raw.call(ApiKeys.FETCH, 11, new FetchRequestData().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1)
                    .setMaxBytes(1 << 20).setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(LEGACY)
                            .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20),
                                    new FetchRequestData.FetchPartition().setPartition(7).setPartitionMaxBytes(1 << 20)))))));
            var pcap = cap.stop();
            var ms = Replay.analyzeFile(pcap);
            assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                    tuple("ApiVersions v3", "NONE"),
                    tuple("Metadata v9 " + LEGACY + ",kfk-missing", "UNKNOWN_TOPIC_OR_PARTITION"),
                    tuple("Produce v8 " + LEGACY + " (3 records)", "NONE"),
                    tuple("Produce v8 kfk-missing (3 records)", "UNKNOWN_TOPIC_OR_PARTITION"),
                    tuple("ListOffsets v5 " + LEGACY, "NONE"),
                    tuple("Fetch v11 " + LEGACY + " (3 records)", "UNKNOWN_TOPIC_OR_PARTITION"));
            // The client library reads the broker's responses the same way (first error of each).
            assertThat(ms).extracting(Message::status).containsExactlyElementsOf(errors.stream().map(Errors::name).toList());
            assertThat(kafka(ms.get(2))).containsEntry("compression", "gzip").containsEntry("partitions", 1L);
            assertThat(kafka(ms.get(5))).containsEntry("partitions", 2L).containsEntry("compression", "gzip");
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(kafka(m)).doesNotContainKey("note");
                assertThat(m.latencyNanos()).isPositive();
            });

            // tshark: request rows (API key, version, correlation id, topics) and response rows (errors).
            var rows = tshark(pcap, "tcp.dstport", "kafka.api_key", "kafka.api_version", "kafka.correlation_id", "kafka.topic_name", "kafka.error");
            var requests = rows.stream().filter(r -> r[0].equals("" + BROKER_PORT)).toList();
            var responses = rows.stream().filter(r -> !r[0].equals("" + BROKER_PORT)).toList();
            assertThat(requests).extracting(r -> r[1] + " v" + r[2] + " #" + r[3] + " " + r[4]).containsExactlyElementsOf(ms.stream()
                    .map(m -> ApiKeys.valueOf(apiConstant(kafka(m))).id + " v" + kafka(m).get("api_version") + " #"
                            + kafka(m).get("correlation_id") + " " + String.join(",", topicsAsSent(m))).toList());
            assertThat(responses).extracting(r -> r[3] + " " + firstError(r[5])).containsExactlyElementsOf(ms.stream()
                    .map(m -> kafka(m).get("correlation_id") + " " + kafka(m).get("error_code")).toList());
        }
    }

    /** Metadata v9 asks for both topics; tshark lists the request's topics only (our Fetch also names the response's). */
    @SuppressWarnings("unchecked")
    static List<String> topicsAsSent(Message m) {
        return (List<String>) kafka(m).get("topics");
    }

    static String firstError(String errors) {
        for (var e : errors.split(",")) if (!e.isEmpty() && !e.equals("0")) return e;
        return "0";
    }

    /** tshark's Kafka dissector on the broker port: one row per Kafka PDU, fields split on tabs. */
    static List<String[]> tshark(Path pcap, String... fields) throws Exception {
        var cmd = new ArrayList<>(List.of("tshark", "-r", pcap.toString(), "-d", "tcp.port==" + BROKER_PORT + ",kafka", "-Y", "kafka",
                "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (var f : fields) cmd.addAll(List.of("-e", f));
        var out = LoopbackCapture.run(cmd.toArray(String[]::new));
        return out.lines().filter(l -> !l.startsWith("Running as user")).map(l -> l.split("\t", -1)).toList();
    }

    /** Requests encoded by kafka-clients at a chosen version, over a plain socket; responses parsed by kafka-clients. */
    static final class RawClient implements AutoCloseable {
        final Socket socket = new Socket("127.0.0.1", BROKER_PORT);
        final DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        final DataInputStream in = new DataInputStream(socket.getInputStream());
        int correlation = 100;

        RawClient() throws Exception {
            socket.setSoTimeout(30_000);
        }

        /** The error of the response (NONE, or the one kind of error it carries). */
        Errors call(ApiKeys api, int version, ApiMessage body) throws Exception {
            short v = (short) version;
            var header = new RequestHeader(api, v, "kfk-raw", correlation++);
            var bytes = RequestUtils.serialize(header.data(), header.headerVersion(), body, v);
            out.writeInt(bytes.remaining());
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            out.flush();
            var response = ByteBuffer.wrap(in.readNBytes(in.readInt()));
            var errors = AbstractResponse.parseResponse(response, header).errorCounts().keySet().stream() // checks the correlation id
                    .filter(e -> e != Errors.NONE).toList();
            assertThat(errors).hasSizeLessThanOrEqualTo(1);
            return errors.isEmpty() ? Errors.NONE : errors.getFirst();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
