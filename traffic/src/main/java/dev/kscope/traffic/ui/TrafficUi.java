package dev.kscope.traffic.ui;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kscope.core.KscopeException;
import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.message.MessageSink;
import dev.kscope.traffic.output.MessageColumns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The web UI: a message stream (Server-Sent Events), the CEL filter box, a detail pane and a service map, served
 * by the JDK's HTTP server. Keeps the newest {@code capacity} messages in memory.
 *
 * <pre>
 * GET /                         the page
 * GET /api/messages?filter=CEL&limit=N  newest N (1000) messages, newest last
 * GET /api/messages/ID          one message
 * GET /api/stream?filter=CEL&since=ID  messages after ID (the client's last), then new ones as they come (SSE)
 * GET /api/map?filter=CEL       service map: nodes (services with their pods, else pods or addresses) and edges with calls,
 *                               rate, error rate, latency
 * </pre>
 * A bad filter, limit or since is answered with 400 {"error": "..."}.
 */
public final class TrafficUi implements MessageSink, AutoCloseable {
    private final HttpServer server;
    private final int capacity;
    private final ArrayDeque<Message> recent = new ArrayDeque<>();
    private final List<BlockingQueue<Message>> subscribers = new CopyOnWriteArrayList<>();

    public TrafficUi(InetSocketAddress address, int capacity) {
        this.capacity = capacity;
        try {
            server = HttpServer.create(address, 64);
        } catch (BindException e) {
            throw new KscopeException("cannot serve the UI on " + address.getHostString() + ":" + address.getPort()
                    + ": the address is in use (pick another with --ui-addr HOST:PORT)", e);
        } catch (IOException e) {
            throw new KscopeException("cannot serve the UI on " + address + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::page);
        server.createContext("/api/messages", this::messages);
        server.createContext("/api/stream", this::stream);
        server.createContext("/api/map", this::map);
        server.start();
    }

    public URI uri() {
        var a = server.getAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    @Override
    public void accept(Message m) {
        synchronized (recent) {
            if (recent.size() >= capacity) recent.pollFirst();
            recent.addLast(m);
        }
        for (var q : subscribers) q.offer(m); // a subscriber that cannot keep up loses messages, the analyzer never waits
    }

    private List<Message> snapshot() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain", "not found");
            return;
        }
        try (InputStream in = TrafficUi.class.getResourceAsStream("index.html")) {
            send(ex, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The query parameters the API's handlers share, parsed in one place. */
    private record Query(MessageFilter filter, int limit, long since) {
        boolean matches(Message m) {
            return filter == null || filter.test(m);
        }
    }

    /** Parses the query, or answers 400 naming the bad parameter and returns null. */
    private static Query query(HttpExchange ex) throws IOException {
        var params = params(ex);
        try {
            var f = params.get("filter");
            return new Query(f == null || f.isBlank() ? null : MessageFilter.compile(f),
                    (int) number(params, "limit", 1000, 1, Integer.MAX_VALUE), number(params, "since", -1, -1, Long.MAX_VALUE));
        } catch (KscopeException e) {
            send(ex, 400, "application/json", "{\"error\":" + quote(e.getMessage()) + "}");
            return null;
        }
    }

    private static long number(Map<String, String> params, String name, long absent, long min, long max) {
        var v = params.get(name);
        if (v == null || v.isBlank()) return absent;
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new KscopeException("invalid " + name + " '" + v + "' (use a whole number from " + min + ")");
    }

    private void messages(HttpExchange ex) throws IOException {
        var path = ex.getRequestURI().getPath();
        if (path.startsWith("/api/messages/")) {
            long id;
            try {
                id = Long.parseLong(path.substring("/api/messages/".length()));
            } catch (NumberFormatException e) {
                send(ex, 400, "application/json", "{\"error\":\"bad message id\"}");
                return;
            }
            for (var m : snapshot()) {
                if (m.id() == id) {
                    send(ex, 200, "application/json", MessageColumns.json(m));
                    return;
                }
            }
            send(ex, 404, "application/json", "{\"error\":\"no message " + id + " (older ones are dropped)\"}");
            return;
        }
        var query = query(ex);
        if (query == null) return;
        var matching = new ArrayList<Message>();
        for (var m : snapshot()) if (query.matches(m)) matching.add(m);
        var sb = new StringBuilder("[");
        for (var m : matching.subList(Math.max(0, matching.size() - query.limit()), matching.size())) {
            if (sb.length() > 1) sb.append(',');
            sb.append(MessageColumns.json(m));
        }
        send(ex, 200, "application/json", sb.append(']').toString());
    }

    private void stream(HttpExchange ex) throws IOException {
        var query = query(ex);
        if (query == null) return;
        var queue = new ArrayBlockingQueue<Message>(10_000);
        subscribers.add(queue); // before the backlog: nothing falls between the page's first load and the stream
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            if (query.since() >= 0) {
                for (var m : snapshot()) {
                    if (m.id() > query.since() && query.matches(m)) {
                        out.write(("data: " + MessageColumns.json(m) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            out.flush();
            while (true) {
                var m = queue.poll(15, TimeUnit.SECONDS);
                if (m == null) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8)); // also notices a gone client
                } else if (query.matches(m)) {
                    out.write(("data: " + MessageColumns.json(m) + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the browser went away
        } finally {
            subscribers.remove(queue);
        }
    }

    /** Nodes are services (their pods grouped in them), else pods or addresses; an edge is client node -> server node per protocol. */
    private void map(HttpExchange ex) throws IOException {
        var query = query(ex);
        if (query == null) return;
        record Edge(String src, String dst, String proto) {
        }
        final class Stats {
            long calls, errors, latencySum, latencyCount, latencyMax, first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        }
        record Node(String namespace, String kind, java.util.TreeSet<String> pods) {
        }
        var edges = new LinkedHashMap<Edge, Stats>();
        var nodes = new LinkedHashMap<String, Node>();
        for (var m : snapshot()) {
            if (!query.matches(m)) continue;
            var src = node(m.src(), false);
            var dst = node(m.dst(), true);
            for (var side : List.of(Map.entry(src, m.src()), Map.entry(dst, m.dst()))) {
                var e = side.getValue();
                var node = nodes.computeIfAbsent(side.getKey(), k -> new Node(e.namespace() == null ? "" : e.namespace(),
                        e.service() != null ? "service" : e.pod() != null ? "pod" : "address", new java.util.TreeSet<>()));
                if (e.service() != null && e.pod() != null) node.pods().add(e.pod());
            }
            var s = edges.computeIfAbsent(new Edge(src, dst, m.protocol()), k -> new Stats());
            s.calls++;
            if (m.error() || m.problem() != null) s.errors++;
            if (m.latencyNanos() >= 0) {
                s.latencySum += m.latencyNanos();
                s.latencyCount++;
                s.latencyMax = Math.max(s.latencyMax, m.latencyNanos());
            }
            s.first = Math.min(s.first, m.startNanos());
            s.last = Math.max(s.last, m.startNanos());
        }
        var sb = new StringBuilder("{\"nodes\":[");
        int i = 0;
        for (var n : nodes.entrySet()) {
            if (i++ > 0) sb.append(',');
            sb.append("{\"id\":").append(quote(n.getKey())).append(",\"namespace\":").append(quote(n.getValue().namespace()))
                    .append(",\"kind\":").append(quote(n.getValue().kind())).append(",\"pods\":[");
            int p = 0;
            for (var pod : n.getValue().pods()) sb.append(p++ > 0 ? "," : "").append(quote(pod));
            sb.append("]}");
        }
        sb.append("],\"edges\":[");
        i = 0;
        for (var e : edges.entrySet()) {
            var s = e.getValue();
            double span = Math.max(1.0, (s.last - s.first) / 1e9);
            if (i++ > 0) sb.append(',');
            sb.append("{\"source\":").append(quote(e.getKey().src())).append(",\"target\":").append(quote(e.getKey().dst()))
                    .append(",\"proto\":").append(quote(e.getKey().proto()))
                    .append(",\"calls\":").append(s.calls)
                    .append(",\"rate_per_s\":").append(String.format(java.util.Locale.ROOT, "%.3f", s.calls / span))
                    .append(",\"error_rate\":").append(String.format(java.util.Locale.ROOT, "%.4f", (double) s.errors / s.calls))
                    .append(",\"latency_avg_ms\":").append(String.format(java.util.Locale.ROOT, "%.3f",
                            s.latencyCount == 0 ? 0 : s.latencySum / 1e6 / s.latencyCount))
                    .append(",\"latency_max_ms\":").append(String.format(java.util.Locale.ROOT, "%.3f", s.latencyMax / 1e6))
                    .append('}');
        }
        send(ex, 200, "application/json", sb.append("]}").toString());
    }

    /**
     * A service when known, whichever of its pods or ports was called (so its pods are one node); else a client is its
     * pod or address (its port is ephemeral) and a server is pod:port or address:port.
     */
    private static String node(Endpoint e, boolean server) {
        var ns = e.namespace() == null ? "" : e.namespace() + "/";
        if (e.service() != null) return ns + "svc/" + e.service();
        var name = e.pod() != null ? ns + e.pod() : e.ip();
        return server ? name + ":" + e.port() : name;
    }

    private static Map<String, String> params(HttpExchange ex) {
        var out = new HashMap<String, String>();
        var q = ex.getRequestURI().getRawQuery();
        if (q == null) return out;
        for (var part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String quote(String s) {
        var sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
