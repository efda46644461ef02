package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/** A real grpc-java server and client (HTTP/2 over loopback, port 22090), captured by tcpdump. */
@Tag("root")
class RealGrpcTest {
    static final int PORT = 22090;

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES).setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("kscope.test.Echo", name)).build();
    }

    /** Protobuf wire format by hand: field 1 = string. */
    static byte[] text(String s, int extraVarint) {
        var b = s.getBytes(StandardCharsets.UTF_8);
        var out = new java.io.ByteArrayOutputStream();
        out.write(0x0a);
        out.write(b.length);
        out.writeBytes(b);
        if (extraVarint > 0) {
            out.write(0x10);
            out.write(extraVarint);
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> grpc(Message m) {
        return (Map<String, Object>) m.details().get("grpc");
    }

    @Test
    void unaryCallsWithStatusesAndRawProtobufFields() throws Exception {
        var say = method("Say");
        var find = method("Find");
        var service = ServerServiceDefinition.builder("kscope.test.Echo")
                .addMethod(say, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(text("hi " + new String(req, 2, req[1], StandardCharsets.UTF_8), 42));
                    obs.onCompleted();
                }))
                .addMethod(find, ServerCalls.asyncUnaryCall((req, obs) ->
                        obs.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException())))
                .build();
        var server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", PORT)).addService(service).build().start();
        var channel = NettyChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext().build();
        try (var cap = new LoopbackCapture("grpc", false, "tcp port " + PORT)) {
            var reply = ClientCalls.blockingUnaryCall(channel, say, CallOptions.DEFAULT, text("hello", 0));
            assertThat(new String(reply, 2, reply[1], StandardCharsets.UTF_8)).isEqualTo("hi hello");
            ClientCalls.blockingUnaryCall(channel, say, CallOptions.DEFAULT, text("again", 0));
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, find, CallOptions.DEFAULT, text("x", 0)))
                    .isInstanceOf(StatusRuntimeException.class);
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            var ms = Replay.analyzeFile(cap.stop());
            assertThat(ms).extracting(Message::protocol, Message::summary, Message::status, Message::error).containsExactly(
                    tuple("grpc", "kscope.test.Echo/Say", "OK", false),
                    tuple("grpc", "kscope.test.Echo/Say", "OK", false),
                    tuple("grpc", "kscope.test.Echo/Find", "NOT_FOUND", true));
            var first = grpc(ms.get(0));
            assertThat(first).containsEntry("service", "kscope.test.Echo").containsEntry("method", "Say").containsEntry("status_code", 0L);
            assertThat((Map<String, Object>) first.get("request_message")).containsEntry("size", 7L).containsEntry("fields", "1: \"hello\"");
            assertThat((Map<String, Object>) first.get("response_message")).containsEntry("fields", "1: \"hi hello\"\n2: 42");
            assertThat((Map<String, Object>) first.get("http")).containsEntry("method", "POST").containsEntry("status", 200L)
                    .containsEntry("version", "HTTP/2");
            assertThat(grpc(ms.get(2))).containsEntry("message", "no such thing").containsEntry("status_code", 5L);
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.latencyNanos()).isPositive();
                assertThat(m.dst().port()).isEqualTo(PORT);
            });
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
