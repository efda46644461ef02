package dev.kscope.core.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON object per line (-o json) or one YAML document per event (-o yaml), with every column, nested by
 * the dots in column names. Lost events appear in the same stream as {@code {"lost_events":N,"total_lost_events":M}}.
 */
public final class JsonPrinter<E> implements EventPrinter<E> {
    private final List<Column<E>> columns;
    private final PrintStream out;
    private final JsonGenerator generator;
    private final ObjectMapper mapper;

    public JsonPrinter(List<Column<E>> columns, PrintStream out, boolean yaml) {
        this.columns = List.copyOf(columns);
        this.out = out;
        try {
            if (yaml) {
                var factory = YAMLFactory.builder().enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();
                mapper = new ObjectMapper(factory);
            } else {
                mapper = new ObjectMapper();
            }
            generator = yaml ? null : mapper.getFactory().createGenerator(new NonClosing(out));
            if (!yaml) generator.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.yaml = yaml;
    }

    private final boolean yaml;

    @Override
    public void print(E event) {
        write(tree(event));
    }

    Map<String, Object> tree(E event) {
        var root = new LinkedHashMap<String, Object>();
        for (var c : columns) {
            var v = c.value().apply(event);
            if (v == null) continue; // like kubectl: absent rather than null
            var path = c.key().split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < path.length - 1; i++) {
                @SuppressWarnings("unchecked")
                var child = (Map<String, Object>) node.computeIfAbsent(path[i], k -> new LinkedHashMap<String, Object>());
                node = child;
            }
            node.put(path[path.length - 1], v);
        }
        return root;
    }

    private void write(Map<String, Object> tree) {
        try {
            if (yaml) {
                out.print(mapper.writeValueAsString(tree)); // a document of its own, starting with ---
                return;
            }
            mapper.writeValue(generator, tree);
            generator.flush();
            out.println();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void lost(long lost, long totalLost) {
        var m = new LinkedHashMap<String, Object>();
        m.put("lost_events", lost);
        m.put("total_lost_events", totalLost);
        write(m);
    }

    @Override
    public void flush() {
        out.flush();
    }

    /** Jackson closes its target after each root value unless told otherwise; stdout must stay open. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
