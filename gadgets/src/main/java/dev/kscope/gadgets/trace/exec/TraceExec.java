package dev.kscope.gadgets.trace.exec;

import dev.kscope.core.bpf.Errno;
import dev.kscope.core.bpf.EventLayout;
import dev.kscope.core.bpf.Record;
import dev.kscope.core.event.Clock;
import dev.kscope.core.event.ContainerInfo;
import dev.kscope.core.gadget.Gadget;
import dev.kscope.core.gadget.GadgetOptions;
import dev.kscope.core.output.ClockText;
import dev.kscope.core.output.Column;
import dev.kscope.core.output.ColumnSet;
import dev.kscope.core.output.ContainerColumns;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.kscope.core.output.Column.Align.LEFT;
import static dev.kscope.core.output.Column.Align.RIGHT;
import static dev.kscope.core.output.Column.Visibility.DEFAULT;
import static dev.kscope.core.output.Column.Visibility.HIDDEN;
import static dev.kscope.core.output.Column.Visibility.WIDE;

/** {@code kscope trace exec}: every execve/execveat on the node (exec.bpf.c). */
public final class TraceExec extends Gadget<ExecEvent> {
    private static final ClockText TIME = new ClockText();

    private EventLayout.Field timestamp, pid, tid, ppid, uid, gid, mntns, cgroup, retval, argsSize, argsTruncated, comm, args;

    public TraceExec(GadgetOptions options) {
        super(options);
    }

    @Override
    public String name() {
        return "trace exec";
    }

    @Override
    protected String objectResource() {
        return "exec.bpf.o";
    }

    @Override
    protected void bind(EventLayout e) {
        timestamp = e.field("timestamp");
        pid = e.field("pid");
        tid = e.field("tid");
        ppid = e.field("ppid");
        uid = e.field("uid");
        gid = e.field("gid");
        mntns = e.field("mntns_id");
        cgroup = e.field("cgroup_id");
        retval = e.field("retval");
        argsSize = e.field("args_size");
        argsTruncated = e.field("args_truncated");
        comm = e.field("comm");
        args = e.field("args");
    }

    @Override
    protected ExecEvent decode(Record r, ContainerInfo container) {
        int size = (int) Math.min(argsSize.getLong(r), args.available(r));
        return new ExecEvent(Clock.fromBootNanos(timestamp.getLong(r)), pid.getInt(r), tid.getInt(r), ppid.getInt(r),
                uid.getInt(r), gid.getInt(r), mntns.getLong(r), cgroup.getLong(r), retval.getInt(r), comm.getString(r),
                splitArgs(r.bytes(), (int) args.offset(), size), argsTruncated.getBool(r), container);
    }

    /** argv as NUL-separated strings; empty arguments are kept, a missing final NUL (truncation) is tolerated. */
    static List<String> splitArgs(byte[] b, int from, int size) {
        var out = new ArrayList<String>(4);
        int start = from, end = from + size;
        for (int i = from; i < end; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < end) out.add(new String(b, start, end - start, StandardCharsets.UTF_8));
        return out;
    }

    /** The table text of argv: shell-quoted where needed, "…" where the kernel side truncated it. */
    static String argsText(ExecEvent e) {
        var b = new StringBuilder();
        for (var a : e.args()) {
            if (!b.isEmpty()) b.append(' ');
            b.append(quote(a));
        }
        if (e.argsTruncated()) b.append('…');
        return b.toString();
    }

    private static final String SHELL_SPECIAL = "'\"\\$`|&;<>()*?[]{}!#~";

    static String quote(String a) {
        boolean plain = !a.isEmpty();
        for (int i = 0; plain && i < a.length(); i++) {
            char c = a.charAt(i);
            plain = !Character.isWhitespace(c) && SHELL_SPECIAL.indexOf(c) < 0;
        }
        return plain ? a : "'" + a.replace("'", "'\\''") + "'";
    }

    /** Columns as ig users know them, plus the container columns. */
    public static ColumnSet<ExecEvent> columns(boolean containers) {
        List<Column<ExecEvent>> own = List.of(
                Column.<ExecEvent>of("TIME", 12, LEFT, DEFAULT, e -> e.timestamp().toString()).withText(e -> TIME.format(e.timestamp())),
                Column.<ExecEvent>of("PID", 7, RIGHT, DEFAULT, ExecEvent::pid),
                Column.<ExecEvent>of("TID", 7, RIGHT, WIDE, ExecEvent::tid),
                Column.<ExecEvent>of("PPID", 7, RIGHT, DEFAULT, ExecEvent::ppid),
                Column.<ExecEvent>of("UID", 6, RIGHT, DEFAULT, ExecEvent::uid),
                Column.<ExecEvent>of("GID", 6, RIGHT, WIDE, ExecEvent::gid),
                Column.<ExecEvent>of("MNTNS", 10, RIGHT, WIDE, ExecEvent::mntnsId),
                Column.<ExecEvent>of("CGROUP", 8, RIGHT, HIDDEN, ExecEvent::cgroupId),
                Column.<ExecEvent>of("COMM", 16, LEFT, DEFAULT, ExecEvent::comm),
                Column.<ExecEvent>of("RET", 7, LEFT, DEFAULT, ExecEvent::retval).withText(e -> e.retval() == 0 ? "0" : Errno.name(e.retval())),
                Column.<ExecEvent>of("ERROR", 7, LEFT, HIDDEN, e -> e.retval() == 0 ? null : Errno.name(e.retval())),
                Column.<ExecEvent>of("ARGS_TRUNCATED", 5, LEFT, HIDDEN, ExecEvent::argsTruncated),
                Column.<ExecEvent>of("ARGS", 40, LEFT, DEFAULT, ExecEvent::args).withText(TraceExec::argsText));
        return ColumnSet.of(ContainerColumns.of(containers), own);
    }
}
