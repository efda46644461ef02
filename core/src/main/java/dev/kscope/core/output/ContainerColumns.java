package dev.kscope.core.output;

import dev.kscope.core.event.ContainerEvent;
import dev.kscope.core.event.ContainerInfo;

import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/** The columns every container-aware gadget gets from the enrichment stage, defined once. */
public final class ContainerColumns {
    private ContainerColumns() {}

    /**
     * @param shown whether the default table shows them (they only mean something with enrichment on)
     */
    public static <E extends ContainerEvent> List<Column<E>> of(boolean shown) {
        var dflt = shown ? Column.Visibility.DEFAULT : Column.Visibility.HIDDEN;
        var wide = shown ? Column.Visibility.WIDE : Column.Visibility.HIDDEN;
        return List.of(
                col("K8S.NODE", 16, Column.Visibility.HIDDEN, ContainerInfo::node),
                col("K8S.NAMESPACE", 16, dflt, ContainerInfo::namespace),
                col("K8S.POD", 24, dflt, ContainerInfo::pod),
                col("K8S.CONTAINER", 16, dflt, ContainerInfo::containerName),
                col("K8S.OWNER", 24, Column.Visibility.HIDDEN, ContainerInfo::owner),
                col("K8S.PODUID", 36, Column.Visibility.HIDDEN, ContainerInfo::podUid),
                ContainerColumns.<E>col("K8S.LABELS", 24, Column.Visibility.HIDDEN, c -> c.podLabels().isEmpty() ? null : new TreeMap<>(c.podLabels()))
                        .withText(e -> labelsText(e.container())),
                col("RUNTIME.NAME", 10, Column.Visibility.HIDDEN, ContainerInfo::runtime),
                ContainerColumns.<E>col("RUNTIME.CONTAINERID", 13, wide, ContainerInfo::containerId).withText(e -> shortId(e.container())),
                col("RUNTIME.IMAGE", 24, Column.Visibility.HIDDEN, ContainerInfo::image));
    }

    /** As kubectl's selectors write them: app=web,tier=db. */
    private static String labelsText(ContainerInfo c) {
        if (c == null) return "";
        var text = new StringBuilder();
        new TreeMap<>(c.podLabels()).forEach((k, v) -> text.append(text.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return text.toString();
    }

    private static String shortId(ContainerInfo c) {
        if (c == null || c.containerId() == null) return "";
        return c.containerId().length() > 12 ? c.containerId().substring(0, 12) : c.containerId();
    }

    private static <E extends ContainerEvent> Column<E> col(String name, int width, Column.Visibility v, Function<ContainerInfo, Object> f) {
        return Column.of(name, width, Column.Align.LEFT, v, (E e) -> e.container() == null ? null : f.apply(e.container()));
    }
}
