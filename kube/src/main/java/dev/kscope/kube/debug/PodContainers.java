package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Looks up containers of a pod by name, across regular, init and ephemeral containers. */
final class PodContainers {
    private PodContainers() {
    }

    static Optional<Container> lookup(Pod pod, String name) {
        return Stream.concat(list(pod.getSpec().getContainers()).stream(), list(pod.getSpec().getInitContainers()).stream())
                .filter(c -> name.equals(c.getName()))
                .findFirst();
    }

    static Container find(Pod pod, String name) {
        return lookup(pod, name).orElseThrow(() -> new IllegalStateException("no container " + name + " in pod"));
    }

    /** All names in use: a new container may take none of them. */
    static Set<String> names(Pod pod) {
        var names = new LinkedHashSet<String>();
        list(pod.getSpec().getContainers()).forEach(c -> names.add(c.getName()));
        list(pod.getSpec().getInitContainers()).forEach(c -> names.add(c.getName()));
        list(pod.getSpec().getEphemeralContainers()).forEach(c -> names.add(c.getName()));
        return names;
    }

    static List<String> regularNames(Pod pod) {
        return list(pod.getSpec().getContainers()).stream().map(Container::getName).toList();
    }

    static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    static <T> List<T> mutable(List<T> l) {
        return l == null ? new ArrayList<>() : new ArrayList<>(l);
    }
}
