package dev.kscope.traffic.output;

import dev.kscope.core.KscopeException;
import dev.kscope.core.output.EventPrinter;
import dev.kscope.core.output.OutputFormat;
import dev.kscope.traffic.message.Message;

import java.io.PrintStream;

/**
 * Messages as {@code -o} asks for them, through the formats every command has ({@link OutputFormat}; table is the
 * default's name here) over {@link MessageColumns}. Packets the kernel dropped appear in JSON/YAML as
 * {@code {"dropped_packets":N,"total_dropped_packets":T}}. Thread-safe: live, messages and drop reports come from different threads.
 */
public final class MessagePrinter implements EventPrinter<Message> {
    /** What -o takes, for help texts. */
    public static final String FORMATS = "table (default), wide (pods and services side by side), json (one object per line), yaml, "
            + "columns=NAME,… (e.g. columns=+src.pod,-bytes) or custom-columns=HEADER:.path,… (paths as in the JSON, "
            + "e.g. METHOD:.http.method,URI:.http.path,STATUS:.status)";

    private final EventPrinter<Message> printer;

    private MessagePrinter(EventPrinter<Message> printer) {
        this.printer = printer;
    }

    /**
     * Fails on an unknown format or column before anything is read or captured.
     *
     * @param terminalWidth where a table cuts its last column (0: never, as when piped)
     */
    public static MessagePrinter of(String format, PrintStream out, int terminalWidth) {
        OutputFormat parsed;
        try {
            parsed = OutputFormat.parse(format);
        } catch (KscopeException e) { // the generic help calls the table "columns"; here it is "table"
            throw new KscopeException("unknown output format '" + format + "' (use -o table, wide, json, yaml, columns=NAME,… "
                    + "or custom-columns=HEADER:.path,…, e.g. custom-columns=METHOD:.http.method,STATUS:.status)", null, 2);
        }
        return new MessagePrinter(parsed.printer(MessageColumns.ALL, out, terminalWidth, "dropped_packets"));
    }

    /** The table's header (nothing for JSON); {@link #print} writes it if not done yet. */
    @Override
    public synchronized void header() {
        printer.header();
    }

    @Override
    public synchronized void print(Message m) {
        printer.print(m);
    }

    /** Packets the kernel dropped: a record in the JSON/YAML stream (tables leave it to the warning on stderr). */
    @Override
    public synchronized void lost(long lost, long totalLost) {
        printer.lost(lost, totalLost);
        printer.flush();
    }

    @Override
    public synchronized void flush() {
        printer.flush();
    }

    @Override
    public synchronized void close() {
        printer.close();
    }
}
