package dev.kscope.traffic.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** Renders messages as JSON (one object per line), YAML (one document each) or as table rows (wide: with services). */
public final class MessageFormat {
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonFactory YAML = YAMLFactory.builder().enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    public static final String TABLE_HEADER = row("TIME(UTC)", "PROTO", "SOURCE", "DESTINATION", "REQUEST", "STATUS", "LATENCY", "BYTES", "NOTE");
    public static final String WIDE_HEADER = wide("TIME(UTC)", "PROTO", "SOURCE", "SRC-SERVICE", "DESTINATION", "DST-SERVICE", "REQUEST",
            "STATUS", "LATENCY", "BYTES", "NOTE");

    private MessageFormat() {
    }

    /** One message as a JSON object (the shape {@link JsonLines} writes). */
    public static String json(Message m) {
        var bytes = new java.io.ByteArrayOutputStream();
        var lines = new JsonLines(bytes);
        lines.write(m);
        lines.flush();
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
    }

    /**
     * Writes messages as JSON Lines, streaming (no intermediate maps). Fields: those of the filter language, plus id and time.
     * Each line ends as its object does, so a live reader (jq) gets every message as soon as the output is flushed.
     */
    public static final class JsonLines implements AutoCloseable {
        private final JsonGenerator gen;
        private final boolean yaml;

        public JsonLines(OutputStream out) {
            this(out, false);
        }

        /** {@code yaml}: one YAML document per message (each starting with {@code ---}) instead of one JSON line. */
        public JsonLines(OutputStream out, boolean yaml) {
            this.yaml = yaml;
            try {
                gen = (yaml ? YAML : JSON).createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                if (!yaml) gen.setPrettyPrinter(new MinimalPrettyPrinter(""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public void write(Message m) {
            try {
                gen.writeStartObject();
                gen.writeNumberField("id", m.id());
                gen.writeStringField("time", Instant.ofEpochSecond(0, m.startNanos()).toString());
                gen.writeStringField("proto", m.protocol());
                endpoint("src", m.src());
                endpoint("dst", m.dst());
                gen.writeStringField("summary", m.summary());
                gen.writeStringField("status", m.status());
                gen.writeBooleanField("error", m.error());
                if (m.problem() != null) gen.writeStringField("problem", m.problem());
                if (m.latencyNanos() >= 0) gen.writeNumberField("latency_ms", m.latencyNanos() / 1e6);
                gen.writeNumberField("request_size", m.requestBytes());
                gen.writeNumberField("response_size", m.responseBytes());
                for (var e : m.details().entrySet()) {
                    gen.writeFieldName(e.getKey());
                    value(e.getValue());
                }
                gen.writeEndObject();
                if (!yaml) gen.writeRaw('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Packets the kernel dropped (the capture ring was full because analysis fell behind), as the gadgets report
         * lost events: {@code {"dropped_packets":N,"total_dropped_packets":T}}. Messages on those connections are missing or cut.
         */
        public void dropped(long packets, long total) {
            try {
                gen.writeStartObject();
                gen.writeNumberField("dropped_packets", packets);
                gen.writeNumberField("total_dropped_packets", total);
                gen.writeEndObject();
                if (!yaml) gen.writeRaw('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void endpoint(String name, Endpoint e) throws IOException {
            gen.writeObjectFieldStart(name);
            gen.writeStringField("ip", e.ip());
            gen.writeNumberField("port", e.port());
            gen.writeStringField("pod", e.pod() == null ? "" : e.pod());
            gen.writeStringField("namespace", e.namespace() == null ? "" : e.namespace());
            gen.writeStringField("service", e.service() == null ? "" : e.service());
            gen.writeStringField("port_name", e.portName() == null ? "" : e.portName());
            gen.writeArrayFieldStart("services");
            for (var s : e.services()) gen.writeString(s);
            gen.writeEndArray();
            gen.writeEndObject();
        }

        private void value(Object v) throws IOException {
            switch (v) {
                case null -> gen.writeNull();
                case String s -> gen.writeString(s);
                case Long l -> gen.writeNumber(l);
                case Integer i -> gen.writeNumber(i);
                case Double d -> gen.writeNumber(d);
                case Boolean b -> gen.writeBoolean(b);
                case Map<?, ?> map -> {
                    gen.writeStartObject();
                    for (var e : map.entrySet()) {
                        gen.writeFieldName(String.valueOf(e.getKey()));
                        value(e.getValue());
                    }
                    gen.writeEndObject();
                }
                case Iterable<?> list -> {
                    gen.writeStartArray();
                    for (var x : list) value(x);
                    gen.writeEndArray();
                }
                default -> gen.writeString(v.toString());
            }
        }

        public void flush() {
            try {
                gen.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                gen.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static String tableRow(Message m) {
        return row(CLOCK.format(Instant.ofEpochSecond(0, m.startNanos())), m.protocol(), endpoint(m.src()), endpoint(m.dst()),
                cut(m.summary(), 50), m.status().isEmpty() ? "-" : m.status(), latency(m.latencyNanos()),
                m.requestBytes() + "/" + m.responseBytes(), m.problem() == null ? "" : m.problem());
    }

    /** As {@link #tableRow}, with pods (or addresses) and services side by side. */
    public static String wideRow(Message m) {
        return wide(CLOCK.format(Instant.ofEpochSecond(0, m.startNanos())), m.protocol(), podOrAddress(m.src()), service(m.src()),
                podOrAddress(m.dst()), service(m.dst()), cut(m.summary(), 50), m.status().isEmpty() ? "-" : m.status(),
                latency(m.latencyNanos()), m.requestBytes() + "/" + m.responseBytes(), m.problem() == null ? "" : m.problem());
    }

    private static String wide(String time, String proto, String src, String srcService, String dst, String dstService, String req,
                               String status, String lat, String bytes, String note) {
        return String.format("%-12s %-6s %-28s %-22s %-28s %-22s %-50s %-8s %8s %-13s %s", time, proto, src, srcService, dst, dstService,
                req, status, lat, bytes, note).stripTrailing();
    }

    private static String podOrAddress(Endpoint e) {
        return e.pod() != null ? e.display() : e.address();
    }

    private static String service(Endpoint e) {
        return e.service() == null ? "-" : e.serviceDisplay();
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
