package dev.kscope.core.output;

import java.util.List;
import java.util.function.Function;

/**
 * One field of an event as every output shows it: a header and width for tables, a key for JSON/YAML
 * (the lower-cased name; dots nest: K8S.POD → {"k8s":{"pod":…}}), and whether the default or wide table shows it.
 *
 * @param value the typed value for JSON/YAML (numbers stay numbers, lists stay lists)
 * @param text  the table text; by default the value's string form (lists space-joined)
 */
public record Column<E>(String name, int width, Align align, Visibility visibility, Function<? super E, ?> value,
                        Function<? super E, String> text) {
    public enum Align { LEFT, RIGHT }

    public enum Visibility { DEFAULT, WIDE, HIDDEN }

    public static <E> Column<E> of(String name, int width, Align align, Visibility visibility, Function<? super E, ?> value) {
        return new Column<>(name, width, align, visibility, value, null);
    }

    public Column<E> withText(Function<? super E, String> text) {
        return new Column<>(name, width, align, visibility, value, text);
    }

    public Column<E> withVisibility(Visibility visibility) {
        return new Column<>(name, width, align, visibility, value, text);
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
