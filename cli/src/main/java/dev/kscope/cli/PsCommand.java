package dev.kscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kscope.containers.Container;
import dev.kscope.containers.ContainerCollection;
import dev.kscope.containers.ContainerListener;
import dev.kscope.core.KscopeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

@Command(name = "ps",
        mixinStandardHelpOptions = true,
        description = "List the containers on this node, from containerd, CRI-O, Docker or podman (or /proc when no runtime answers): "
                + "runtime, container ID, name, image, pod, namespace, PID, mount and network namespace IDs.",
        footer = {"",
                "Examples:",
                "  kscope ps                              every container on this node",
                "  kscope ps -n shop -l app=web           pods labelled app=web in namespace shop",
                "  kscope ps -p web-7c9f -c nginx -o wide one container, with pod UID, owner, node and cgroup",
                "  kscope ps -o json | jq '.[].mntns'     mount namespace IDs, to match events by hand",
                "  kscope ps --runtimes docker            only Docker's containers",
                "  kscope ps --containerd-socket /run/k3s/containerd/containerd.sock",
                "  kscope ps -w -p web                    follow: print web's containers as they start and stop"})
public final class PsCommand implements Callable<Integer> {
    @Mixin
    ContainerFlags containers;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "columns (default), wide, json or yaml.")
    String output = "columns";

    @Option(names = {"-w", "--watch"}, description = "After listing, print containers as they start (ADDED) and stop (REMOVED) until interrupted.")
    boolean watch;

    @Option(names = "--debug", hidden = true)
    boolean debug;

    private record Column(String header, Function<Container, String> value) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("RUNTIME", Container::runtime),
            new Column("CONTAINER ID", Container::shortId),
            new Column("NAME", Container::name),
            new Column("IMAGE", Container::image),
            new Column("POD", Container::podName),
            new Column("NAMESPACE", Container::namespace),
            new Column("PID", c -> Integer.toString(c.pid())),
            new Column("MNTNS", c -> Long.toString(c.mntns())),
            new Column("NETNS", c -> Long.toString(c.netns())));

    private static final List<Column> WIDE = List.of(
            new Column("POD UID", Container::podUid),
            new Column("OWNER", c -> c.owner() == null ? "" : c.owner().toString()),
            new Column("NODE", Container::node),
            new Column("CGROUP", Container::cgroupPath));

    @Override
    public Integer call() throws Exception {
        var format = output.toLowerCase(java.util.Locale.ROOT);
        if (!List.of("columns", "wide", "json", "yaml").contains(format)) {
            throw new KscopeException("unknown output format '" + output + "' (use columns, wide, json or yaml)");
        }
        var selector = containers.selector();
        var out = System.out;
        try (var collection = ContainerCollection.start(containers.options())) {
            if (watch) {
                follow(collection, selector, format, out);
                return 0;
            }
            var found = collection.select(selector);
            switch (format) {
                case "json" -> out.println(json().writeValueAsString(found));
                case "yaml" -> out.print(yaml().writeValueAsString(found));
                default -> {
                    if (found.isEmpty()) System.err.println(noneFound(selector, false));
                    else printTable(out, columns(format), found, null, true);
                }
            }
        }
        return 0;
    }

    private static String noneFound(dev.kscope.containers.ContainerSelector selector, boolean waiting) {
        return "No containers found" + (selector.selectsAll() ? "" : " matching " + selector.describe())
                + (waiting ? "; waiting for them to start." : ".");
    }

    /** Like kubectl get -w: the current containers as ADDED, then ADDED/MODIFIED/REMOVED as they change, until interrupted. */
    private void follow(ContainerCollection collection, dev.kscope.containers.ContainerSelector selector, String format, PrintStream out) {
        var shown = new java.util.HashSet<String>();
        var header = new boolean[]{format.equals("columns") || format.equals("wide")};
        var printer = new Object() {
            synchronized void print(String event, Container c) {
                if (event.equals("ADDED") && !shown.add(c.id())) event = "MODIFIED";
                if (event.equals("REMOVED")) shown.remove(c.id());
                try {
                    switch (format) {
                        case "json" -> out.println(json().disable(SerializationFeature.INDENT_OUTPUT)
                                .writeValueAsString(java.util.Map.of("type", event, "container", c)));
                        case "yaml" -> out.print("---\n" + yaml().writeValueAsString(java.util.Map.of("type", event, "container", c)));
                        default -> {
                            printTable(out, columns(format), List.of(c), event, header[0]);
                            header[0] = false;
                        }
                    }
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        if (collection.select(selector).isEmpty()) System.err.println(noneFound(selector, true));
        collection.follow(selector, new ContainerListener() {
            @Override
            public void added(Container c) {
                printer.print("ADDED", c);
            }

            @Override
            public void removed(Container c) {
                printer.print("REMOVED", c);
            }
        });
        try {
            new CountDownLatch(1).await(); // until Ctrl-C (or the embedding program interrupts us)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Column> columns(String format) {
        if (!format.equals("wide")) return COLUMNS;
        var all = new ArrayList<>(COLUMNS);
        all.set(1, new Column("CONTAINER ID", Container::id));
        all.addAll(WIDE);
        return all;
    }

    /** kubectl-style columns: left-aligned, three spaces apart, "-" for empty cells. Widths fit the rows given. */
    private static void printTable(PrintStream out, List<Column> columns, List<Container> rows, String event, boolean withHeader) {
        var header = new ArrayList<String>();
        if (event != null) header.add("EVENT");
        columns.forEach(c -> header.add(c.header()));
        var lines = new ArrayList<List<String>>();
        if (withHeader) lines.add(header);
        for (var row : rows) {
            var line = new ArrayList<String>();
            if (event != null) line.add(event);
            for (var c : columns) {
                var v = c.value().apply(row);
                line.add(v == null || v.isEmpty() ? "-" : v);
            }
            lines.add(line);
        }
        var widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) widths[i] = header.get(i).length();
        for (var line : lines) for (int i = 0; i < line.size(); i++) widths[i] = Math.max(widths[i], line.get(i).length());
        for (var line : lines) {
            var sb = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                sb.append(line.get(i));
                if (i < line.size() - 1) sb.append(" ".repeat(widths[i] - line.get(i).length() + 3));
            }
            out.println(sb);
        }
    }

    private static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static ObjectMapper yaml() {
        return new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    }
}
