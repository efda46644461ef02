package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/** redis-server + redis-cli, dig against a Netty DNS server (UDP and TCP), all captured by tcpdump. */
@Tag("root")
class RealRedisDnsTest {
    static final int REDIS_PORT = 22379, DNS_PORT = 22053;

    @SuppressWarnings("unchecked")
    static Map<String, Object> part(Message m, String proto) {
        return (Map<String, Object>) m.details().get(proto);
    }

    @Test
    void redisCommandsRepliesAndErrors() throws Exception {
        var redis = new ProcessBuilder("redis-server", "--port", Integer.toString(REDIS_PORT), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var cap = new LoopbackCapture("redis", false, "tcp port " + REDIS_PORT)) {
            for (int i = 0; i < 50 && !LoopbackCapture.run("redis-cli", "-p", "" + REDIS_PORT, "PING").contains("PONG"); i++) Thread.sleep(100);
            var cli = List.of("redis-cli", "-p", "" + REDIS_PORT);
            run(cli, "SET", "user:1", "alice");
            run(cli, "GET", "user:1");
            run(cli, "GET", "missing");
            run(cli, "RPUSH", "list", "a", "b", "c");
            run(cli, "LRANGE", "list", "0", "-1");
            run(cli, "NOSUCHCMD", "x");
            run(cli, "-3", "HGETALL", "nohash"); // RESP3: HELLO 3 first, then a map reply
            var ms = Replay.analyzeFile(cap.stop()).stream().filter(m -> !m.summary().startsWith("PING")
                    && !m.summary().startsWith("COMMAND")).toList();
            assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                    tuple("SET user:1 alice", "OK"),
                    tuple("GET user:1", "OK"),
                    tuple("GET missing", "OK"),
                    tuple("RPUSH list a b c", "OK"),
                    tuple("LRANGE list 0 -1", "OK"),
                    tuple("NOSUCHCMD x", "ERR"),
                    tuple("HELLO 3", "OK"),
                    tuple("HGETALL nohash", "OK"));
            assertThat(part(ms.get(1), "redis")).containsEntry("reply", "alice").containsEntry("command", "GET");
            assertThat(part(ms.get(2), "redis")).containsEntry("reply", "(nil)");
            assertThat(part(ms.get(3), "redis")).containsEntry("reply", "3").containsEntry("reply_type", "integer");
            assertThat(part(ms.get(4), "redis")).containsEntry("reply", "(3 elements) a b c");
            assertThat(part(ms.get(5), "redis").get("error").toString()).startsWith("ERR unknown command 'NOSUCHCMD'");
            assertThat(ms.get(5).error()).isTrue();
            assertThat(part(ms.get(6), "redis")).containsEntry("reply_type", "map");
            assertThat(part(ms.get(7), "redis")).containsEntry("reply_type", "map").containsEntry("reply", "(0 elements) ");
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.dst().port()).isEqualTo(REDIS_PORT);
            });
        } finally {
            redis.destroy();
            redis.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void run(List<String> cli, String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(cli);
        cmd.addAll(List.of(args));
        LoopbackCapture.run(cmd.toArray(String[]::new));
    }

    @Test
    void dnsOverUdpAndTcpWithDig() throws Exception {
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (var cap = new LoopbackCapture("dns", false, "port " + DNS_PORT)) {
            Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                            new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
                                    ctx.writeAndFlush(answer(q, new DatagramDnsResponse(q.recipient(), q.sender(), q.id())));
                                }
                            });
                }
            }).bind("127.0.0.1", DNS_PORT).sync().channel();
            Channel tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(),
                            new SimpleChannelInboundHandler<DnsQuery>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, DnsQuery q) {
                                    ctx.writeAndFlush(answer(q, new DefaultDnsResponse(q.id())));
                                }
                            });
                }
            }).bind("127.0.0.1", DNS_PORT).sync().channel();
            var dig = List.of("dig", "@127.0.0.1", "-p", "" + DNS_PORT, "+tries=1", "+time=3");
            run(dig, "web.kscope.test", "A");
            run(dig, "nope.kscope.test", "A");
            run(dig, "+tcp", "web.kscope.test", "A");
            var ms = Replay.analyzeFile(cap.stop()).stream().sorted(Comparator.comparingLong(Message::startNanos)).toList();
            udp.close().sync();
            tcp.close().sync();
            assertThat(ms).extracting(Message::protocol, Message::summary, Message::status, Message::error).containsExactly(
                    tuple("dns", "A web.kscope.test", "NOERROR", false),
                    tuple("dns", "A nope.kscope.test", "NXDOMAIN", true),
                    tuple("dns", "A web.kscope.test", "NOERROR", false));
            assertThat(part(ms.get(0), "dns")).containsEntry("answers", List.of("10.1.2.3"));
            assertThat(part(ms.get(2), "dns")).containsEntry("answers", List.of("10.1.2.3"));
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.dst().port()).isEqualTo(DNS_PORT);
                assertThat(m.latencyNanos()).isPositive();
            });
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static DnsResponse answer(DnsQuery q, DnsResponse r) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        r.addRecord(DnsSection.QUESTION, question);
        if (question.name().equals("web.kscope.test.")) {
            r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 60,
                    Unpooled.wrappedBuffer(new byte[]{10, 1, 2, 3})));
        } else {
            r.setCode(DnsResponseCode.NXDOMAIN);
        }
        return r;
    }
}
