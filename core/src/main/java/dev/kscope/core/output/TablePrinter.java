package dev.kscope.core.output;

import java.io.PrintStream;
import java.util.List;

/**
 * Aligned columns with a header, like ig and kubectl. Every column but the last has its width; the last takes
 * the rest of the terminal (cut with "…" when stdout is a terminal of known width; never cut when piped or wide).
 */
public final class TablePrinter<E> implements EventPrinter<E> {
    private List<Column<E>> columns;
    private final PrintStream out;
    private final int terminalWidth;
    private final StringBuilder line = new StringBuilder(256);
    private boolean headerDone;

    public TablePrinter(List<Column<E>> columns, PrintStream out, int terminalWidth) {
        this.columns = List.copyOf(columns);
        this.out = out;
        this.terminalWidth = terminalWidth;
    }

    /**
     * For a list known up front (like kubectl get): every column as wide as its header or its widest cell in these
     * rows, left-aligned and three spaces apart. Call before printing.
     */
    public void fitTo(List<? extends E> rows) {
        columns = columns.stream().map(c -> new Column<>(c.name(), 2 + Math.max(c.name().length(),
                rows.stream().mapToInt(r -> sanitize(c.textOf(r)).length()).max().orElse(0)), Column.Align.LEFT, c.visibility(), c.value(), c.text(), c.cut())).toList();
    }

    @Override
    public void header() {
        if (headerDone) return;
        headerDone = true;
        line.setLength(0);
        for (int i = 0; i < columns.size(); i++) append(columns.get(i), columns.get(i).name(), i);
        endLine();
    }

    @Override
    public void print(E event) {
        header();
        line.setLength(0);
        for (int i = 0; i < columns.size(); i++) {
            var c = columns.get(i);
            append(c, sanitize(c.textOf(event)), i);
        }
        endLine();
    }

    /** Without the padding of the columns left empty at the end; one String per row, no Formatter. */
    private void endLine() {
        int end = line.length();
        while (end > 0 && Character.isWhitespace(line.charAt(end - 1))) end--;
        line.setLength(end);
        out.println(line.toString());
    }

    private void append(Column<E> c, String text, int index) {
        boolean last = index == columns.size() - 1;
        if (last) {
            int room = terminalWidth > 0 ? terminalWidth - line.length() : Integer.MAX_VALUE;
            line.append(room > 1 && text.length() > room ? text.substring(0, room - 1) + "…" : text);
            return;
        }
        int width = Math.max(c.width(), c.name().length()); // headers are never cut
        String t = c.cut() && text.length() > width ? text.substring(0, width - 1) + "…" : text;
        int pad = Math.max(0, width - t.length());
        if (c.align() == Column.Align.RIGHT) line.repeat(' ', pad).append(t);
        else line.append(t).repeat(' ', pad);
        line.append(' ');
    }

    /** Control characters in process-supplied text (argv, comm) would garble the terminal: show them escaped. */
    static String sanitize(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                var b = new StringBuilder(s.length() + 8);
                s.codePoints().forEach(cp -> {
                    if (Character.isISOControl(cp)) b.append(switch (cp) {
                        case '\n' -> "\\n";
                        case '\t' -> "\\t";
                        case '\r' -> "\\r";
                        default -> String.format("\\x%02x", cp);
                    });
                    else b.appendCodePoint(cp);
                });
                return b.toString();
            }
        }
        return s;
    }

    @Override
    public void lost(long lost, long totalLost) {
        // tables go to a person: the warning goes to stderr (see GadgetRunner), not between rows
    }

    @Override
    public void flush() {
        out.flush();
    }
}
