package dev.kscope.cli;

import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerListener;
import dev.kscope.containers.ContainerSelector;
import dev.kscope.core.event.ContainerEvent;
import dev.kscope.core.event.ContainerInfo;
import dev.kscope.core.output.Column;
import dev.kscope.core.output.ColumnSet;
import dev.kscope.core.output.ContainerColumns;
import dev.kscope.core.output.EventPrinter;
import dev.kscope.core.output.TablePrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import static dev.kscope.core.output.Column.Align.LEFT;
import static dev.kscope.core.output.Column.Align.RIGHT;
import static dev.kscope.core.output.Column.Visibility.DEFAULT;
import static dev.kscope.core.output.Column.Visibility.WIDE;

@Command(name = "ps",
        mixinStandardHelpOptions = true,
        description = "List the containers on this node, from containerd, CRI-O, Docker or podman (or /proc when no runtime answers): "
                + "namespace, pod, container name, runtime, container ID, image, PID, mount and network namespace IDs.",
        footer = {"",
                "Examples:",
                "  kscope ps                              every container on this node",
                "  kscope ps -n shop -l app=web           pods labelled app=web in namespace shop",
                "  kscope ps -p web-7c9f -c nginx -o wide one container, with node, owner, pod UID and cgroup",
                "  kscope ps -o json | jq .mntns          mount namespace IDs (one JSON object per container), to match events by hand",
                "  kscope ps -o columns=k8s.pod,pid,netns the columns you name (-o columns=+k8s.labels,-mntns edits the default set)",
                "  kscope ps -o custom-columns=POD:.k8s.pod,APP:.k8s.labels.app",
                "  kscope ps --runtimes docker            only Docker's containers",
                "  kscope ps --containerd-socket /run/k3s/containerd/containerd.sock",
                "  kscope ps -w -p web                    follow: print web's containers as they start and stop"})
public final class PsCommand implements Callable<Integer> {
    @Mixin
    ContainerFlags containers;

    @Mixin
    OutputFlag output;

    @Option(names = {"-w", "--watch"}, description = "After listing, print containers as they start (ADDED) and stop (REMOVED) until interrupted.")
    boolean watch;

    @Option(names = "--debug", hidden = true)
    boolean debug;

    /** One line of output: a container, and with -w what happened to it (ADDED, MODIFIED, REMOVED). */
    record Row(String event, Container raw, ContainerInfo container) implements ContainerEvent {
        Row(String event, Container c) {
            this(event, c, c.info());
        }
    }

    /** The container columns every gadget has, shown as a list of containers wants them, then the process's. */
    static ColumnSet<Row> columns(boolean watch) {
        var visibility = Map.of("K8S.NODE", WIDE, "K8S.OWNER", WIDE, "K8S.PODUID", WIDE,
                "RUNTIME.NAME", DEFAULT, "RUNTIME.CONTAINERID", DEFAULT, "RUNTIME.IMAGE", DEFAULT);
        var all = new ArrayList<Column<Row>>();
        if (watch) all.add(Column.of("EVENT", 8, LEFT, DEFAULT, Row::event));
        ContainerColumns.<Row>of(true).forEach(c -> all.add(c.withVisibility(visibility.getOrDefault(c.name(), c.visibility()))));
        all.add(Column.of("PID", 7, RIGHT, DEFAULT, r -> r.raw().pid()));
        all.add(Column.of("MNTNS", 10, RIGHT, DEFAULT, r -> r.raw().mntns()));
        all.add(Column.of("NETNS", 10, RIGHT, DEFAULT, r -> r.raw().netns()));
        all.add(Column.of("CGROUP", 40, LEFT, WIDE, r -> r.raw().cgroupPath().isEmpty() ? null : r.raw().cgroupPath()));
        return new ColumnSet<>(all);
    }

    @Override
    public Integer call() {
        var selector = containers.selector();
        try (var printer = output.format().printer(columns(watch), System.out, Terminal.width());
             var collection = ContainerCollection.start(containers.options())) {
            if (watch) {
                follow(collection, selector, printer);
                return 0;
            }
            var found = collection.select(selector);
            if (found.isEmpty()) System.err.println(noneFound(selector, false));
            list(found, printer);
        }
        return 0;
    }

    /** Prints a list of containers, tables as wide as their cells (like kubectl get). */
    static void list(List<Container> found, EventPrinter<Row> printer) {
        var rows = found.stream().map(c -> new Row(null, c)).toList();
        if (printer instanceof TablePrinter<Row> table) table.fitTo(rows);
        rows.forEach(printer::print);
    }

    private static String noneFound(ContainerSelector selector, boolean waiting) {
        return "No containers found" + (selector.selectsAll() ? "" : " matching " + selector.describe())
                + (waiting ? "; waiting for them to start." : ".");
    }

    /** Like kubectl get -w: the current containers as ADDED, then ADDED/MODIFIED/REMOVED as they change, until interrupted. */
    private static void follow(ContainerCollection collection, ContainerSelector selector, EventPrinter<Row> printer) {
        var shown = new HashSet<String>();
        printer.header();
        printer.flush();
        var listener = new ContainerListener() {
            @Override
            public synchronized void added(Container c) {
                print(shown.add(c.id()) ? "ADDED" : "MODIFIED", c);
            }

            @Override
            public synchronized void removed(Container c) {
                shown.remove(c.id());
                print("REMOVED", c);
            }

            private void print(String event, Container c) {
                printer.print(new Row(event, c));
                printer.flush();
            }
        };
        if (collection.select(selector).isEmpty()) System.err.println(noneFound(selector, true));
        collection.follow(selector, listener);
        try {
            new CountDownLatch(1).await(); // until Ctrl-C (or the embedding program interrupts us)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
