package dev.kscope.core.output;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** All columns a gadget's events have, in display order. */
public record ColumnSet<E>(List<Column<E>> all) {
    public ColumnSet {
        all = List.copyOf(all);
    }

    @SafeVarargs
    public static <E> ColumnSet<E> of(List<Column<E>>... groups) {
        return new ColumnSet<>(Stream.of(groups).flatMap(List::stream).toList());
    }

    public List<Column<E>> defaults() {
        return all.stream().filter(c -> c.visibility() == Column.Visibility.DEFAULT || c.visibility() == Column.Visibility.DEFAULT_ONLY).toList();
    }

    public List<Column<E>> wide() {
        return all.stream().filter(c -> c.visibility() == Column.Visibility.DEFAULT || c.visibility() == Column.Visibility.WIDE).toList();
    }

    /** The columns JSON and YAML show, whose keys are the paths of {@code -o custom-columns}. */
    public List<Column<E>> json() {
        return all.stream().filter(Column::inJson).toList();
    }

    public Column<E> byName(String name) {
        var wanted = name.trim().toLowerCase(Locale.ROOT);
        return all.stream().filter(c -> c.key().equals(wanted)).findFirst().orElseThrow(() -> new KscopeException(
                "unknown column '" + name.trim() + "' (available: " + String.join(",", all.stream().map(Column::key).toList()) + ")", null, 2));
    }

    /**
     * Resolves a column list as users write it after {@code -o columns=}: either names ("pid,comm,args") or
     * edits of the default set ("+uid,-ppid").
     */
    public List<Column<E>> select(String spec) {
        var items = List.of(spec.split(","));
        if (spec.isBlank() || items.stream().anyMatch(String::isBlank)) {
            throw new KscopeException("empty column name in '" + spec + "' (e.g. -o columns=pid,comm,args or -o columns=+uid,-ppid)", null, 2);
        }
        boolean edits = items.stream().allMatch(i -> i.startsWith("+") || i.startsWith("-"));
        boolean mixed = !edits && items.stream().anyMatch(i -> i.startsWith("+") || i.startsWith("-"));
        if (mixed) {
            throw new KscopeException("cannot mix column names and +/- edits in '" + spec + "' (use -o columns=pid,comm or -o columns=+uid,-ppid)", null, 2);
        }
        if (!edits) {
            var chosen = new LinkedHashSet<Column<E>>();
            items.forEach(i -> chosen.add(byName(i)));
            return List.copyOf(chosen);
        }
        var chosen = new ArrayList<>(defaults());
        for (var item : items) {
            var c = byName(item.substring(1));
            if (item.startsWith("+")) {
                if (!chosen.contains(c)) chosen.add(c);
            } else {
                chosen.remove(c);
            }
        }
        if (chosen.isEmpty()) throw new KscopeException("no columns left after '" + spec + "'", null, 2);
        chosen.sort(java.util.Comparator.comparingInt(all::indexOf)); // edits keep the gadget's column order
        return chosen;
    }

    /**
     * Resolves kubectl's {@code -o custom-columns=POD:.k8s.pod,APP:.k8s.labels.app,ARG0:.args[0]}: each item is a
     * header and a path into the JSON form of an event (a column's key, then map keys or list indexes inside its
     * value). An item without ':' is a column name, as after {@code -o columns=}.
     */
    public List<Column<E>> custom(String spec) {
        var items = List.of(spec.split(","));
        if (spec.isBlank() || items.stream().anyMatch(String::isBlank)) {
            throw new KscopeException("empty column in '" + spec + "' (e.g. -o custom-columns=POD:.k8s.pod,PID:.pid)", null, 2);
        }
        var chosen = new ArrayList<Column<E>>();
        for (var item : items) {
            int colon = item.indexOf(':');
            if (colon < 0) {
                chosen.add(byName(item));
                continue;
            }
            var header = item.substring(0, colon).trim();
            var path = item.substring(colon + 1).trim();
            if (header.isEmpty() || !path.startsWith(".")) {
                throw new KscopeException("invalid custom column '" + item.trim() + "' (write HEADER:.path, e.g. -o custom-columns=POD:.k8s.pod,PID:.pid)", null, 2);
            }
            chosen.add(byPath(header, path));
        }
        return chosen;
    }

    private static final Pattern PATH_STEP = Pattern.compile("\\.([^.\\[\\]]+)|\\[(\\d+)]");

    private Column<E> byPath(String header, String path) {
        var steps = new ArrayList<String>();
        var m = PATH_STEP.matcher(path);
        int at = 0;
        while (m.find() && m.start() == at) {
            steps.add(m.group(1) != null ? m.group(1) : "[" + m.group(2));
            at = m.end();
        }
        if (at != path.length()) {
            throw new KscopeException("invalid path '" + path + "' in -o custom-columns (write e.g. .k8s.pod, .k8s.labels.app or .args[0])", null, 2);
        }
        // the column whose key (dots and all) starts the path, the longest if several do
        Column<E> column = null;
        int used = 0;
        for (var c : json()) {
            var keySteps = c.key().split("\\.");
            if (keySteps.length > used && keySteps.length <= steps.size()
                    && String.join(".", steps.subList(0, keySteps.length)).toLowerCase(Locale.ROOT).equals(c.key())) {
                column = c;
                used = keySteps.length;
            }
        }
        if (column == null) {
            throw new KscopeException("unknown field '" + path + "' in -o custom-columns (available: "
                    + String.join(",", json().stream().map(c -> "." + c.key()).toList()) + ")", null, 2);
        }
        int width = Math.max(column.width(), header.length());
        if (used == steps.size()) return new Column<>(header, width, column.align(), Column.Visibility.DEFAULT, column.value(), column.text(), column.cut());
        // map keys stay strings, list indexes become numbers: parsed once, not per row
        var inside = steps.subList(used, steps.size()).stream()
                .<Object>map(s -> s.startsWith("[") ? (Object) Integer.valueOf(s.substring(1)) : s).toList();
        var value = column.value();
        return new Column<>(header, width, Column.Align.LEFT, Column.Visibility.DEFAULT, (E e) -> dig(value.apply(e), inside), null, column.cut());
    }

    private static Object dig(Object value, List<Object> steps) {
        for (var step : steps) {
            value = switch (value) {
                case Map<?, ?> map when step instanceof String key -> map.get(key);
                case List<?> list when step instanceof Integer i && i < list.size() -> list.get(i);
                case null, default -> null;
            };
        }
        return value;
    }
}
