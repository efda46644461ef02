package dev.kscope.core.output;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
        return all.stream().filter(c -> c.visibility() == Column.Visibility.DEFAULT).toList();
    }

    public List<Column<E>> wide() {
        return all.stream().filter(c -> c.visibility() != Column.Visibility.HIDDEN).toList();
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
}
