package dev.kscope.core.output;

import java.util.List;
import java.util.function.Function;

/**
 * One field of an event as every output shows it: a header and width for tables, a key for JSON/YAML
 * (the lower-cased name; dots nest: K8S.POD → {"k8s":{"pod":…}}), and which tables show it.
 *
 * @param value the typed value for JSON/YAML (numbers stay numbers, lists stay lists); null for a column that only
 *              renders other fields for a table (e.g. "BYTES" = request_size/response_size): JSON/YAML leave it out
 * @param text  the table text; by default the value's string form (lists space-joined)
 * @param cut   whether a table cuts a longer text at the width with "…"; if not, it pushes the rest of the row right
 *              (an address cut short names nothing)
 */
public record Column<E>(String name, int width, Align align, Visibility visibility, Function<? super E, ?> value,
                        Function<? super E, String> text, boolean cut) {
    public enum Align { LEFT, RIGHT }

    /**
     * Which tables show the column: DEFAULT both, WIDE only -o wide, DEFAULT_ONLY only the default one (a short form
     * of what wide spreads over more columns), HIDDEN neither (JSON/YAML, -o columns=… and custom-columns still do).
     */
    public enum Visibility { DEFAULT, WIDE, DEFAULT_ONLY, HIDDEN }

    public static <E> Column<E> of(String name, int width, Align align, Visibility visibility, Function<? super E, ?> value) {
        return new Column<>(name, width, align, visibility, value, null, true);
    }

    /** A table-only column: text made from other fields, absent from JSON/YAML. */
    public static <E> Column<E> text(String name, int width, Align align, Visibility visibility, Function<? super E, String> text) {
        return new Column<>(name, width, align, visibility, null, text, true);
    }

    public Column<E> withText(Function<? super E, String> text) {
        return new Column<>(name, width, align, visibility, value, text, cut);
    }

    public Column<E> withVisibility(Visibility visibility) {
        return new Column<>(name, width, align, visibility, value, text, cut);
    }

    public Column<E> uncut() {
        return new Column<>(name, width, align, visibility, value, text, false);
    }

    /** Whether JSON/YAML show it (see {@link #value}). */
    public boolean inJson() {
        return value != null;
    }

    public String textOf(E event) {
        if (text != null) return text.apply(event);
        var v = value.apply(event);
        if (v == null) return "";
        if (v instanceof List<?> list) return String.join(" ", list.stream().map(String::valueOf).toList());
        return v.toString();
    }

    public String key() {
        return name.toLowerCase(java.util.Locale.ROOT);
    }
}
