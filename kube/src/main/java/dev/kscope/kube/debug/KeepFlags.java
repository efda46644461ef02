package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.Pod;

/** Which parts of the original pod a copy keeps (kubectl's --keep-labels, --keep-annotations, --keep-*). */
public record KeepFlags(boolean labels, boolean annotations, boolean liveness, boolean readiness,
                        boolean startup, boolean initContainers) {

    /** kubectl's defaults: drop labels, annotations and probes; keep init containers. */
    public static final KeepFlags DEFAULTS = new KeepFlags(false, false, false, false, false, true);

    void removeLabels(Pod p) {
        if (!labels) p.getMetadata().setLabels(null);
    }

    void removeAnnotations(Pod p) {
        if (!annotations) p.getMetadata().setAnnotations(null);
    }

    void removeProbes(Pod p) {
        for (var c : p.getSpec().getContainers()) {
            if (!liveness) c.setLivenessProbe(null);
            if (!readiness) c.setReadinessProbe(null);
            if (!startup) c.setStartupProbe(null);
        }
    }

    void removeInitContainers(Pod p) {
        if (!initContainers) p.getSpec().setInitContainers(null);
    }

    /** What every non-legacy profile does to a pod copy before its own changes. */
    void stripCopy(Pod p) {
        removeLabels(p);
        removeAnnotations(p);
        removeProbes(p);
        removeInitContainers(p);
    }
}
