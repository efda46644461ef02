package dev.kscope.traffic.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Renders messages as JSON (one object per line) or as table rows. */
public final class MessageFormat {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    public static final String TABLE_HEADER = row("TIME(UTC)", "PROTO", "SOURCE", "DESTINATION", "REQUEST", "STATUS", "LATENCY", "BYTES", "NOTE");

    private MessageFormat() {
    }

    /** The message as a JSON-ready map: the filter's variables, plus id and time, in a stable order. */
    public static Map<String, Object> toMap(Message m) {
        var vars = MessageFilter.variables(m);
        var out = new LinkedHashMap<String, Object>();
        out.put("id", m.id());
        out.put("time", Instant.ofEpochSecond(0, m.startNanos()).toString());
        for (var k : new String[]{"proto", "src", "dst", "summary", "status", "error", "problem", "latency_ms", "request_size", "response_size"}) {
            out.put(k, vars.get(k));
        }
        if (m.problem() == null) out.remove("problem");
        if (m.latencyNanos() < 0) out.remove("latency_ms");
        out.putAll(m.details());
        return out;
    }

    public static String json(Message m) {
        try {
            return JSON.writeValueAsString(toMap(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("message " + m.id() + " is not serializable", e);
        }
    }

    public static String tableRow(Message m) {
        return row(CLOCK.format(Instant.ofEpochSecond(0, m.startNanos())), m.protocol(), endpoint(m.src()), endpoint(m.dst()),
                cut(m.summary(), 50), m.status().isEmpty() ? "-" : m.status(), latency(m.latencyNanos()),
                m.requestBytes() + "/" + m.responseBytes(), m.problem() == null ? "" : m.problem());
    }

    private static String row(String time, String proto, String src, String dst, String req, String status, String lat,
                              String bytes, String note) {
        return String.format("%-12s %-6s %-21s %-21s %-50s %-8s %8s %-13s %s", time, proto, src, dst, req, status, lat, bytes, note)
                .stripTrailing();
    }

    private static String endpoint(Endpoint e) {
        return e.display();
    }

    static String latency(long nanos) {
        if (nanos < 0) return "-";
        if (nanos < 1_000_000) return String.format("%.0fus", nanos / 1e3);
        if (nanos < 1_000_000_000) return String.format("%.1fms", nanos / 1e6);
        return String.format("%.2fs", nanos / 1e9);
    }

    private static String cut(String s, int n) {
        s = s.replace('\n', ' ').replace('\r', ' ');
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
