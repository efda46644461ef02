package dev.kscope.core.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One JSON object per line (-o json) or one YAML document per event (-o yaml), with every column that has a value,
 * nested by the dots in column names; null values are left out, like kubectl. Lost events appear in the same stream as
 * {@code {"lost_events":N,"total_lost_events":M}} (the record's name is the caller's: traffic says dropped_packets).
 * <p>
 * Streams through one generator for all events, nesting planned once: no tree per event (commands print 100k+ a second).
 */
public final class JsonPrinter<E> implements EventPrinter<E> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Quotes only where needed, but always around a string that reads as a number ("200" stays a string for yq). */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES, YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build());

    /** A key of the output object: one column's value, or an object holding other keys. */
    private sealed interface Field {
        SerializableString name();
    }

    private record Leaf(SerializableString name, int column) implements Field {}

    private record Group(SerializableString name, Field[] fields, int[] columns) implements Field {}

    private final Function<? super E, ?>[] getters;
    private final Field[] fields;
    private final Object[] values;
    private final PrintStream out;
    private JsonGenerator gen;
    private final boolean yaml;
    private final SerializableString lostKey, totalLostKey;

    public JsonPrinter(List<Column<E>> columns, PrintStream out, boolean yaml) {
        this(columns, out, yaml, "lost_events");
    }

    /** @param lostName the key of lost-event records ({@code lost_events}; the total's is {@code total_} + it) */
    @SuppressWarnings("unchecked")
    public JsonPrinter(List<Column<E>> columns, PrintStream out, boolean yaml, String lostName) {
        var shown = columns.stream().filter(Column::inJson).toList();
        this.getters = shown.stream().map(Column::value).toArray(Function[]::new);
        this.fields = plan(shown);
        this.values = new Object[shown.size()];
        this.out = out;
        this.yaml = yaml;
        this.lostKey = new SerializedString(lostName);
        this.totalLostKey = new SerializedString("total_" + lostName);
        if (yaml) return;
        try {
            // stdout stays open, and is flushed when the caller says (per burst, see flush()), not per event
            gen = JSON.createGenerator(out)
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            gen.setRootValueSeparator(null); // lines end with '\n' (a pretty printer would do it too, on a slower path for every key)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where each column's value goes: its key split at the dots, objects in the order their first column comes. */
    private static <E> Field[] plan(List<Column<E>> columns) {
        var root = new Node();
        for (int i = 0; i < columns.size(); i++) {
            var node = root;
            for (var step : columns.get(i).key().split("\\.")) {
                node = node.children.computeIfAbsent(step, k -> new Node());
                node.columns.add(i);
            }
            node.column = i; // a repeated key: the last one wins, as in a map
        }
        return root.fields();
    }

    private static final class Node {
        final Map<String, Node> children = new LinkedHashMap<>();
        final List<Integer> columns = new ArrayList<>();
        int column = -1;

        Field[] fields() {
            return children.entrySet().stream().map(e -> {
                var name = new SerializedString(e.getKey());
                var n = e.getValue();
                return n.children.isEmpty() ? new Leaf(name, n.column)
                        : (Field) new Group(name, n.fields(), n.columns.stream().mapToInt(i -> i).toArray());
            }).toArray(Field[]::new);
        }
    }

    @Override
    public void print(E event) {
        for (int i = 0; i < values.length; i++) values[i] = getters[i].apply(event);
        try {
            startRecord();
            writeFields(fields);
            gen.writeEndObject();
            endRecord();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeFields(Field[] fields) throws IOException {
        for (var f : fields) {
            if (f instanceof Leaf l) {
                var v = values[l.column()];
                if (v == null) continue;
                gen.writeFieldName(l.name());
                value(v);
            } else if (f instanceof Group g && !allNull(g.columns())) {
                gen.writeFieldName(g.name());
                gen.writeStartObject();
                writeFields(g.fields());
                gen.writeEndObject();
            }
        }
    }

    private boolean allNull(int[] columns) {
        for (int c : columns) if (values[c] != null) return false;
        return true;
    }

    /** An if-chain, most frequent first: a pattern switch over these types costs more than the writing (measured). */
    private void value(Object v) throws IOException {
        if (v instanceof String s) string(s);
        else if (v instanceof Long l) gen.writeNumber(l);
        else if (v instanceof Integer i) gen.writeNumber(i);
        else if (v instanceof Boolean b) gen.writeBoolean(b);
        else if (v instanceof Double d) gen.writeNumber(d);
        else if (v instanceof Map<?, ?> map) {
            gen.writeStartObject();
            for (var e : map.entrySet()) {
                key(String.valueOf(e.getKey()));
                value(e.getValue());
            }
            gen.writeEndObject();
        } else if (v instanceof List<?> list) {
            gen.writeStartArray();
            for (var x : list) value(x);
            gen.writeEndArray();
        } else if (v == null) gen.writeNull();
        else gen.writeObject(v); // other types (records, enums, sets...) as Jackson's mapper writes them
    }

    /**
     * Long strings (bodies: most of a traffic message's bytes) through a char array. Jackson reads a String with charAt
     * per character; compiled inside this printer (a bigger caller than MessageFormat was), those calls stayed calls
     * with their bounds checks: the profile's top frame, String.checkIndex. Arrays it indexes directly.
     */
    private void string(String s) throws IOException {
        int n = s.length();
        if (n < 16) {
            gen.writeString(s);
            return;
        }
        if (chars.length < n) chars = new char[Math.max(n, 2 * chars.length)];
        s.getChars(0, n, chars, 0);
        gen.writeString(chars, 0, n);
    }

    private char[] chars = new char[1024];

    /** Map keys repeat from event to event (http's method, url…): written from their encoded bytes, up to a bound. */
    private void key(String key) throws IOException {
        var encoded = keys.get(key);
        if (encoded == null) {
            if (keys.size() >= 4096) { // header names and the like are the senders' to choose: no unbounded cache
                gen.writeFieldName(key);
                return;
            }
            keys.put(key, encoded = new SerializedString(key));
        }
        gen.writeFieldName(encoded);
    }

    private final Map<String, SerializedString> keys = new java.util.HashMap<>();

    /**
     * YAML: a generator per document, as a streaming one holds a document back until the next begins (live, each
     * event would show one event late). JSON: one generator for all lines.
     */
    private void startRecord() throws IOException {
        if (yaml) gen = YAML.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        gen.writeStartObject();
    }

    /** A JSON line ends with its newline; the generator hands its buffer to {@code out} when full and on {@link #flush}. */
    private void endRecord() throws IOException {
        if (yaml) gen.close();
        else gen.writeRaw('\n');
    }

    @Override
    public void lost(long lost, long totalLost) {
        try {
            startRecord();
            gen.writeFieldName(lostKey);
            gen.writeNumber(lost);
            gen.writeFieldName(totalLostKey);
            gen.writeNumber(totalLost);
            gen.writeEndObject();
            endRecord();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flush() {
        try {
            if (!yaml) gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }
}
