package dev.kscope.traffic.output;

import dev.kscope.core.KscopeException;
import dev.kscope.core.output.EventPrinter;
import dev.kscope.traffic.message.Message;

import java.io.PrintStream;

/**
 * Messages as {@code -o} asks for them: table or wide rows under a header, JSON lines or YAML documents (see {@link MessageFormat}).
 * Thread-safe: live, messages and drop reports come from different threads.
 */
public final class MessagePrinter implements EventPrinter<Message> {
    private final PrintStream out;
    private final MessageFormat.JsonLines json;
    private final boolean wide;
    private boolean headerDone, printed;

    private MessagePrinter(PrintStream out, boolean json, boolean yaml, boolean wide) {
        this.out = out;
        this.json = json ? new MessageFormat.JsonLines(out, yaml) : null;
        this.wide = wide;
    }

    /** Fails on an unknown format before anything is read or captured. */
    public static MessagePrinter of(String format, PrintStream out) {
        return switch (format) {
            case "table" -> new MessagePrinter(out, false, false, false);
            case "wide" -> new MessagePrinter(out, false, false, true);
            case "json" -> new MessagePrinter(out, true, false, false);
            case "yaml" -> new MessagePrinter(out, true, true, false);
            default -> throw new KscopeException("unknown output format '" + format + "' (use -o table, wide, json or yaml)", null, 2);
        };
    }

    /** The table's header (nothing for JSON); {@link #print} writes it if not done yet. */
    @Override
    public synchronized void header() {
        if (json != null || headerDone) return;
        headerDone = true;
        out.println(wide ? MessageFormat.WIDE_HEADER : MessageFormat.TABLE_HEADER);
    }

    @Override
    public synchronized void print(Message m) {
        header();
        if (json != null) json.write(m);
        else out.println(wide ? MessageFormat.wideRow(m) : MessageFormat.tableRow(m));
        printed = true;
    }

    /** Packets the kernel dropped: a record in the JSON stream (tables leave it to the warning on stderr). */
    @Override
    public synchronized void lost(long lost, long totalLost) {
        if (json == null) return;
        json.dropped(lost, totalLost);
        json.flush();
    }

    @Override
    public synchronized void flush() {
        if (json != null) json.flush();
        out.flush();
    }

    /** Ends the JSON stream (its last line) and flushes. */
    @Override
    public synchronized void close() {
        if (json != null && printed) json.close();
        out.flush();
    }
}
