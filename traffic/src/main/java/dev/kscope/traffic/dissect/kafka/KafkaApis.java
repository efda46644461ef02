package dev.kscope.traffic.dissect.kafka;

/** API keys, the first "flexible" (compact, tagged-field) version of each, and error code names. */
final class KafkaApis {
    private KafkaApis() {
    }

    static final int PRODUCE = 0, FETCH = 1, METADATA = 3, API_VERSIONS = 18;

    private static final String[] NAMES = {"Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica",
            "UpdateMetadata", "ControlledShutdown", "OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat",
            "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics",
            "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch", "AddPartitionsToTxn", "AddOffsetsToTxn",
            "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "DescribeAcls", "CreateAcls", "DeleteAcls", "DescribeConfigs",
            "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs", "SaslAuthenticate", "CreatePartitions",
            "CreateDelegationToken", "RenewDelegationToken", "ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups",
            "ElectLeaders", "IncrementalAlterConfigs", "AlterPartitionReassignments", "ListPartitionReassignments",
            "OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas", "DescribeUserScramCredentials",
            "AlterUserScramCredentials", "Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "DescribeQuorum", "AlterPartition",
            "UpdateFeatures", "Envelope", "FetchSnapshot", "DescribeCluster", "DescribeProducers", "BrokerRegistration",
            "BrokerHeartbeat", "UnregisterBroker", "DescribeTransactions", "ListTransactions", "AllocateProducerIds",
            "ConsumerGroupHeartbeat", "ConsumerGroupDescribe", "ControllerRegistration", "GetTelemetrySubscriptions",
            "PushTelemetry", "AssignReplicasToDirs", "ListClientMetricsResources", "DescribeTopicPartitions",
            "ShareGroupHeartbeat", "ShareGroupDescribe", "ShareFetch", "ShareAcknowledge", "AddRaftVoter", "RemoveRaftVoter",
            "UpdateRaftVoter", "InitializeShareGroupState", "ReadShareGroupState", "WriteShareGroupState",
            "DeleteShareGroupState", "ReadShareGroupStateSummary", "StreamsGroupHeartbeat", "StreamsGroupDescribe",
            "DescribeShareGroupOffsets", "AlterShareGroupOffsets", "DeleteShareGroupOffsets"};

    /** First flexible version per API key (Integer.MAX_VALUE: none, for the old inter-broker APIs). */
    private static final int[] FLEXIBLE = {9, 12, 6, 9, 4, 2, 6, 3, 8, 6, 3, 6, 4, 4, 4, 5, 3, Integer.MAX_VALUE, 3, 5, 4, 2,
            2, 4, 3, 3, 3, 1, 3, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    static String name(int key) {
        return key >= 0 && key < NAMES.length ? NAMES[key] : null;
    }

    static boolean flexible(int key, int version) {
        return key >= 0 && key < FLEXIBLE.length && version >= FLEXIBLE[key];
    }

    /** ApiVersions responses always use header v0, so an old client can read them. */
    static boolean flexibleResponseHeader(int key, int version) {
        return key != API_VERSIONS && flexible(key, version);
    }

    static String error(int code) {
        return switch (code) {
            case 0 -> "NONE";
            case -1 -> "UNKNOWN_SERVER_ERROR";
            case 1 -> "OFFSET_OUT_OF_RANGE";
            case 2 -> "CORRUPT_MESSAGE";
            case 3 -> "UNKNOWN_TOPIC_OR_PARTITION";
            case 5 -> "LEADER_NOT_AVAILABLE";
            case 6 -> "NOT_LEADER_OR_FOLLOWER";
            case 7 -> "REQUEST_TIMED_OUT";
            case 10 -> "MESSAGE_TOO_LARGE";
            case 16 -> "NOT_COORDINATOR";
            case 17 -> "INVALID_TOPIC_EXCEPTION";
            case 19 -> "NOT_ENOUGH_REPLICAS";
            case 25 -> "UNKNOWN_MEMBER_ID";
            case 29 -> "TOPIC_AUTHORIZATION_FAILED";
            case 35 -> "UNSUPPORTED_VERSION";
            case 36 -> "TOPIC_ALREADY_EXISTS";
            case 87 -> "INVALID_RECORD";
            case 100 -> "UNKNOWN_TOPIC_ID";
            default -> "ERROR_" + code;
        };
    }
}
