package dev.kscope.traffic.dissect.kafka;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The dissector's tables checked against the real client library's protocol definitions (kafka-clients). */
class KafkaApisTest {
    @Test
    void namesAndFlexibleVersionsMatchTheClientLibrary() {
        for (var api : ApiKeys.values()) {
            assertThat(KafkaApis.name(api.id)).as("name of API %d", api.id).isEqualTo(api.name);
            for (short v = api.oldestVersion(); v <= api.latestVersion(); v++) {
                assertThat(KafkaApis.flexible(api.id, v)).as("%s v%d flexible", api.name, v).isEqualTo(api.requestHeaderVersion(v) >= 2);
                assertThat(KafkaApis.flexibleResponseHeader(api.id, v)).as("%s v%d response header", api.name, v)
                        .isEqualTo(api.responseHeaderVersion(v) >= 1);
            }
        }
    }

    @Test
    void errorNamesMatchTheClientLibrary() {
        for (var e : Errors.values()) assertThat(KafkaApis.error(e.code())).isEqualTo(e.name());
        assertThat(KafkaApis.error(30_000)).isEqualTo("ERROR_30000");
    }

    /** Where the error code sits in the responses not read field by field: encoded by the library, read back. */
    @Test
    void errorOffsetsMatchTheEncodedResponses() throws Exception {
        int checked = 0;
        for (var api : ApiKeys.values()) {
            for (short v = api.oldestVersion(); v <= api.latestVersion(); v++) {
                int at = KafkaApis.errorOffset(api.id, v);
                if (at < 0) continue;
                ApiMessage body = ApiMessageType.fromApiKey(api.id).newResponse();
                body.getClass().getMethod("setErrorCode", short.class).invoke(body, Errors.NOT_COORDINATOR.code());
                try {
                    body.getClass().getMethod("setThrottleTimeMs", int.class).invoke(body, 0x01020304);
                } catch (NoSuchMethodException none) {
                    // ApiVersions-like responses without a throttle time
                }
                var bytes = MessageUtil.toByteBufferAccessor(body, v).buffer();
                assertThat(bytes.getShort(at)).as("%s v%d error code at %d", api.name, v, at).isEqualTo(Errors.NOT_COORDINATOR.code());
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(40);
    }
}
