package dev.kscope.core.output;

import dev.kscope.core.KscopeException;

/** What {@code -o} asked for: a table (default, wide, chosen or custom columns), JSON lines or YAML documents. */
public sealed interface OutputFormat {
    record Table(boolean wide, String columns) implements OutputFormat {}

    /** kubectl's -o custom-columns=HEADER:.path,… (see {@link ColumnSet#custom}). */
    record CustomColumns(String spec) implements OutputFormat {}

    record Json() implements OutputFormat {}

    record Yaml() implements OutputFormat {}

    String HELP = "columns (default), wide, json, yaml, or columns=NAME,… / columns=+NAME,-NAME / custom-columns=HEADER:.path,…";

    static OutputFormat parse(String value) {
        var v = value == null ? "" : value.trim();
        if (v.isEmpty() || v.equals("columns") || v.equals("table")) return new Table(false, null);
        if (v.equals("wide")) return new Table(true, null);
        if (v.equals("json")) return new Json();
        if (v.equals("yaml")) return new Yaml();
        if (v.startsWith("columns=")) return new Table(false, v.substring("columns=".length()));
        if (v.startsWith("custom-columns=")) return new CustomColumns(v.substring("custom-columns=".length()));
        throw new KscopeException("unknown output format '" + value + "' (use -o " + HELP + ")", null, 2);
    }

    /** Builds the printer, failing early (before anything is attached) on unknown column names. */
    default <E> EventPrinter<E> printer(ColumnSet<E> columns, java.io.PrintStream out, int terminalWidth) {
        return printer(columns, out, terminalWidth, "lost_events");
    }

    /** @param lostName what JSON/YAML call a lost-events record (see {@link JsonPrinter}), e.g. dropped_packets */
    default <E> EventPrinter<E> printer(ColumnSet<E> columns, java.io.PrintStream out, int terminalWidth, String lostName) {
        return switch (this) {
            case Table t -> new TablePrinter<>(t.columns() != null ? columns.select(t.columns()) : t.wide() ? columns.wide() : columns.defaults(),
                    out, t.wide() ? 0 : terminalWidth);
            case CustomColumns c -> new TablePrinter<>(columns.custom(c.spec()), out, terminalWidth);
            case Json j -> new JsonPrinter<>(columns.json(), out, false, lostName);
            case Yaml y -> new JsonPrinter<>(columns.json(), out, true, lostName);
        };
    }
}
