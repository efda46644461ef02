package dev.kscope.traffic.dissect;

import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.message.MessageSink;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The two ends of a connection (or datagram flow) and where its messages go. */
public final class Conversation {
    private Endpoint client;
    private Endpoint server;
    private final MessageSink sink;
    private final AtomicLong ids;

    public Conversation(Endpoint client, Endpoint server, MessageSink sink, AtomicLong ids) {
        this.client = client;
        this.server = server;
        this.sink = sink;
        this.ids = ids;
    }

    public Endpoint client() {
        return client;
    }

    public Endpoint server() {
        return server;
    }

    /** The content showed the roles are the other way round (a capture that started mid-connection). */
    public void swapRoles() {
        var c = client;
        client = server;
        server = c;
    }

    public void emit(String protocol, long startNanos, long latencyNanos, long requestBytes, long responseBytes,
                     String summary, String status, boolean error, String problem, Map<String, Object> details) {
        sink.accept(new Message(ids.getAndIncrement(), protocol, client, server, startNanos, latencyNanos,
                requestBytes, responseBytes, summary, status, error, problem, details));
    }
}
