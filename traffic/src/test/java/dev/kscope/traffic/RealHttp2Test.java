package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.kscope.traffic.Http1Test.http;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/** curl (nghttp2) speaking cleartext HTTP/2 to a Netty HTTP/2 server: with prior knowledge, and upgrading from HTTP/1.1 (h2c). */
@Tag("root")
class RealHttp2Test {
    static final int PORT = 22091;

    @Test
    void curlAgainstNettyServer() throws Exception {
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (var cap = new LoopbackCapture("h2", false, "tcp port " + PORT)) {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), responder());
                }
            }).bind("127.0.0.1", PORT).sync().channel();
            var base = "http://127.0.0.1:" + PORT;
            // One curl per request: Debian 12's curl 7.88 fails reusing a prior-knowledge connection ("Error in the
            // HTTP2 framing layer"). Several streams on one connection are covered by RealGrpcTest.
            for (var args : java.util.List.of(new String[]{base + "/hello"}, new String[]{base + "/missing"},
                    new String[]{base + "/hello?again=1"}, new String[]{"-d", "a=1", base + "/form"})) {
                var cmd = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "-o", "/dev/null", "--http2-prior-knowledge"));
                cmd.addAll(java.util.List.of(args));
                assertThat(LoopbackCapture.run(cmd.toArray(String[]::new))).isEmpty();
            }
            var pcapFile = cap.stop();
            var ms = Replay.analyzeFile(pcapFile);
            server.close().sync();
            assertThat(ms).extracting(Message::protocol, Message::summary, Message::status).containsExactly(
                    tuple("http", "GET /hello", "200"),
                    tuple("http", "GET /missing", "404"),
                    tuple("http", "GET /hello?again=1", "200"),
                    tuple("http", "POST /form", "200"));
            assertThat(http(ms.get(0))).containsEntry("version", "HTTP/2").containsEntry("response_body", "hello h2 /hello")
                    .containsEntry("host", "127.0.0.1:" + PORT).containsEntry("stream", 1L);
            assertThat(http(ms.get(2))).containsEntry("path", "/hello").containsEntry("url", "/hello?again=1");
            assertThat(http(ms.get(3))).containsEntry("request_body", "a=1").containsEntry("response_body", "hello h2 /posted");
            assertThat(ms.get(1).error()).isTrue();
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.latencyNanos()).isPositive();
            });
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Answers each request on its stream: 404 for /missing…, else 200 with "hello h2 PATH". */
    static io.netty.channel.ChannelHandler responder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof Http2HeadersFrame h && h.isEndStream()) respond(ctx, h, h.headers().path().toString());
                    if (msg instanceof Http2DataFrame d && d.isEndStream()) respond(ctx, d, "/posted");
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void respond(ChannelHandlerContext ctx, io.netty.handler.codec.http2.Http2StreamFrame req, String path) {
                if (path.startsWith("/missing")) {
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("404"), true).stream(req.stream()));
                    return;
                }
                var body = ("hello h2 " + path).getBytes(StandardCharsets.UTF_8);
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "text/plain")).stream(req.stream()));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(req.stream()));
            }
        };
    }

    /** curl --http2 on a plain http:// URL asks for an upgrade (Upgrade: h2c); the answer comes on HTTP/2 stream 1. */
    @Test
    void curlUpgradesToH2c() throws Exception {
        int port = 22093;
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (var cap = new LoopbackCapture("h2c", false, "tcp port " + port)) {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    var http1 = new io.netty.handler.codec.http.HttpServerCodec();
                    var upgrade = new io.netty.handler.codec.http.HttpServerUpgradeHandler(http1, protocol ->
                            io.netty.util.AsciiString.contentEquals(io.netty.handler.codec.http2.Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                    ? new io.netty.handler.codec.http2.Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(), responder())
                                    : null);
                    ch.pipeline().addLast(new io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler(http1, upgrade, new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), responder());
                        }
                    }));
                }
            }).bind("127.0.0.1", port).sync().channel();
            for (var path : java.util.List.of("/up", "/missing-up")) {
                assertThat(LoopbackCapture.run("curl", "-sS", "-o", "/dev/null", "--http2", "http://127.0.0.1:" + port + path)).isEmpty();
            }
            var ms = Replay.analyzeFile(cap.stop());
            server.close().sync();
            assertThat(ms).extracting(Message::protocol, Message::summary, Message::status, Message::problem).containsExactly(
                    tuple("http", "GET /up", "200", null),
                    tuple("http", "GET /missing-up", "404", null));
            assertThat(http(ms.get(0))).containsEntry("version", "HTTP/2").containsEntry("upgraded_from", "HTTP/1.1")
                    .containsEntry("stream", 1L).containsEntry("response_body", "hello h2 /up").containsEntry("host", "127.0.0.1:" + port);
            assertThat(ms).allSatisfy(m -> assertThat(m.latencyNanos()).isPositive());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
