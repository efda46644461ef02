package dev.kscope.traffic.output;

import dev.kscope.core.output.ClockText;
import dev.kscope.core.output.Column;
import dev.kscope.core.output.Column.Align;
import dev.kscope.core.output.Column.Visibility;
import dev.kscope.core.output.ColumnSet;
import dev.kscope.core.output.InstantText;
import dev.kscope.core.output.JsonPrinter;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A message's fields as every output shows them. JSON/YAML (and the paths of -o custom-columns) use the filter language's
 * names: id, time, proto, src.{ip,port,pod,namespace,service,port_name,services}, dst.{…}, summary, status, error, problem,
 * latency_ms, request_size, response_size, and the protocol's map (http.method, dns.name, grpc.status…). The tables show
 * TIME(UTC) PROTO SOURCE DESTINATION REQUEST STATUS LATENCY BYTES NOTE; wide puts pods (or addresses) and services side by side.
 */
public final class MessageColumns {
    private static final ClockText CLOCK = ClockText.utc();

    public static final ColumnSet<Message> ALL = columns();

    private MessageColumns() {
    }

    private static ColumnSet<Message> columns() {
        var c = new ArrayList<Column<Message>>();
        c.add(hidden("ID", Message::id));
        c.add(hidden("TIME", m -> InstantText.format(m.startNanos())));
        c.add(Column.text("TIME(UTC)", 12, Align.LEFT, Visibility.DEFAULT, m -> CLOCK.format(Instant.ofEpochSecond(0, m.startNanos()))));
        c.add(Column.<Message>of("PROTO", 6, Align.LEFT, Visibility.DEFAULT, Message::protocol).uncut());
        c.addAll(side("SOURCE", "SRC", Message::src));
        c.addAll(side("DESTINATION", "DST", Message::dst));
        c.add(hidden("SUMMARY", Message::summary));
        c.add(Column.text("REQUEST", 50, Align.LEFT, Visibility.DEFAULT, Message::summary));
        c.add(Column.<Message>of("STATUS", 8, Align.LEFT, Visibility.DEFAULT, Message::status).withText(m -> m.status().isEmpty() ? "-" : m.status()).uncut());
        c.add(hidden("ERROR", Message::error));
        c.add(hidden("PROBLEM", Message::problem));
        c.add(hidden("LATENCY_MS", m -> m.latencyNanos() >= 0 ? m.latencyNanos() / 1e6 : null));
        c.add(Column.<Message>text("LATENCY", 8, Align.RIGHT, Visibility.DEFAULT, m -> latency(m.latencyNanos())).uncut());
        c.add(hidden("REQUEST_SIZE", Message::requestBytes));
        c.add(hidden("RESPONSE_SIZE", Message::responseBytes));
        c.add(Column.<Message>text("BYTES", 13, Align.LEFT, Visibility.DEFAULT, m -> m.requestBytes() + "/" + m.responseBytes()).uncut());
        c.add(Column.text("NOTE", 24, Align.LEFT, Visibility.DEFAULT, m -> m.problem() == null ? "" : m.problem()));
        for (var protocol : Message.PROTOCOLS) c.add(hidden(protocol.toUpperCase(java.util.Locale.ROOT), m -> m.details().get(protocol)));
        return new ColumnSet<>(c);
    }

    /** One side's table columns (the default table's short form; wide's pod-or-address and service) and its JSON object. */
    private static List<Column<Message>> side(String header, String prefix, Function<Message, Endpoint> side) {
        return List.of(
                Column.<Message>text(header, 21, Align.LEFT, Visibility.DEFAULT_ONLY, m -> side.apply(m).display()).uncut(),
                Column.<Message>text(header, 28, Align.LEFT, Visibility.WIDE, m -> podOrAddress(side.apply(m))).uncut(),
                Column.<Message>text(prefix + "-SERVICE", 22, Align.LEFT, Visibility.WIDE, m -> service(side.apply(m))).uncut(),
                hidden(prefix + ".IP", m -> side.apply(m).ip()),
                hidden(prefix + ".PORT", m -> side.apply(m).port()),
                hidden(prefix + ".POD", m -> orEmpty(side.apply(m).pod())),
                hidden(prefix + ".NAMESPACE", m -> orEmpty(side.apply(m).namespace())),
                hidden(prefix + ".SERVICE", m -> orEmpty(side.apply(m).service())),
                hidden(prefix + ".PORT_NAME", m -> orEmpty(side.apply(m).portName())),
                hidden(prefix + ".SERVICES", m -> side.apply(m).services()));
    }

    /** JSON has "" for an unknown pod or service (the UI and jq scripts rely on the key being there). */
    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Column<Message> hidden(String name, Function<Message, ?> value) {
        return Column.<Message>of(name, 12, Align.LEFT, Visibility.HIDDEN, value).uncut();
    }

    private static String podOrAddress(Endpoint e) {
        return e.pod() != null ? e.display() : e.address();
    }

    private static String service(Endpoint e) {
        return e.service() == null ? "-" : e.serviceDisplay();
    }

    /** 850us, 120.0ms, 2.35s: rounded half up, as %.0f/%.1f/%.2f would, without a Formatter per row. */
    static String latency(long nanos) {
        if (nanos < 0) return "-";
        if (nanos < 1_000_000) return (nanos + 500) / 1_000 + "us";
        if (nanos < 1_000_000_000) return decimal((nanos + 50_000) / 100_000, 1) + "ms";
        return decimal((nanos + 5_000_000) / 10_000_000, 2) + "s";
    }

    /** {@code units} (tenths or hundredths) with {@code digits} decimals. */
    private static String decimal(long units, int digits) {
        long scale = digits == 1 ? 10 : 100;
        long fraction = units % scale;
        return units / scale + (digits == 2 && fraction < 10 ? ".0" : ".") + fraction;
    }

    /** One message as a JSON object, as -o json writes it (the web UI's API and stream). */
    public static String json(Message m) {
        var json = JSON.get();
        json.bytes.reset();
        json.printer.print(m);
        json.printer.flush();
        return json.bytes.toString(StandardCharsets.UTF_8).stripTrailing();
    }

    private record Json(ByteArrayOutputStream bytes, JsonPrinter<Message> printer) {
        Json(ByteArrayOutputStream bytes) {
            this(bytes, new JsonPrinter<>(ALL.json(), new PrintStream(bytes, false, StandardCharsets.UTF_8), false));
        }
    }

    private static final ThreadLocal<Json> JSON = ThreadLocal.withInitial(() -> new Json(new ByteArrayOutputStream(1024)));
}
