package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * kubectl debug's profiles (kubectl pkg/cmd/debug/profiles.go): what each one does to the debug
 * container and its pod, per {@link DebugStyle}. {@link #AUTO} is KEP-1441's automatic choice,
 * which kubectl never shipped: it picks general, baseline or restricted from the namespace's
 * {@code pod-security.kubernetes.io/enforce} label, so the debug container passes Pod Security admission.
 */
public enum Profile {
    LEGACY, GENERAL, BASELINE, RESTRICTED, NETADMIN, SYSADMIN, AUTO;

    /** The label Pod Security admission enforces from. */
    public static final String ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

    public static Profile parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new KscopeException("unknown profile '" + name + "' (use one of: " + names() + ")");
        }
    }

    public static String names() {
        return Arrays.stream(values()).map(Profile::toString).collect(Collectors.joining(", "));
    }

    /** For {@link #AUTO}: the profile that satisfies the namespace's enforced Pod Security level; others return themselves. */
    public Profile resolve(Map<String, String> namespaceLabels) {
        if (this != AUTO) return this;
        var level = namespaceLabels == null ? null : namespaceLabels.get(ENFORCE_LABEL);
        if ("restricted".equals(level)) return RESTRICTED;
        if ("baseline".equals(level)) return BASELINE;
        return GENERAL;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Applies the profile to container {@code name} in {@code pod} (the pod being created, or for
     * {@link DebugStyle#EPHEMERAL} a copy of the target holding the new ephemeral container).
     */
    public void apply(Pod pod, String name, DebugStyle style, KeepFlags keep) {
        switch (this) {
            case LEGACY -> {
                switch (style) {
                    case NODE -> { mountRootPartition(pod, name); useHostNamespaces(pod); }
                    case POD_COPY -> pod.getMetadata().setLabels(null); // legacy drops labels on copies regardless of --keep-labels
                    case EPHEMERAL -> keep.removeLabels(pod);
                }
            }
            case GENERAL -> {
                switch (style) {
                    case NODE -> { mountRootPartition(pod, name); clearSecurityContext(pod, name); useHostNamespaces(pod); }
                    case POD_COPY -> { keep.stripCopy(pod); addCapabilities(pod, name, "SYS_PTRACE"); shareProcessNamespace(pod); }
                    case EPHEMERAL -> { keep.removeLabels(pod); addCapabilities(pod, name, "SYS_PTRACE"); }
                }
            }
            case BASELINE -> {
                clearSecurityContext(pod, name);
                stripForStyle(pod, style, keep);
            }
            case RESTRICTED -> {
                clearSecurityContext(pod, name);
                var sc = securityContext(pod, name);
                sc.setRunAsNonRoot(true);
                if (sc.getCapabilities() == null) sc.setCapabilities(new Capabilities());
                sc.getCapabilities().setDrop(new ArrayList<>(List.of("ALL")));
                sc.getCapabilities().setAdd(null);
                sc.setAllowPrivilegeEscalation(false);
                sc.setSeccompProfile(new SeccompProfile(null, "RuntimeDefault"));
                stripForStyle(pod, style, keep);
            }
            case NETADMIN -> {
                addCapabilities(pod, name, "NET_ADMIN", "NET_RAW");
                if (style == DebugStyle.NODE) useHostNamespaces(pod);
                else stripForStyle(pod, style, keep);
            }
            case SYSADMIN -> {
                securityContext(pod, name).setPrivileged(true);
                if (style == DebugStyle.NODE) { useHostNamespaces(pod); mountRootPartition(pod, name); }
                else stripForStyle(pod, style, keep);
            }
            case AUTO -> throw new IllegalStateException("resolve the auto profile against the namespace first");
        }
    }

    private static void stripForStyle(Pod pod, DebugStyle style, KeepFlags keep) {
        switch (style) {
            case POD_COPY -> { keep.stripCopy(pod); shareProcessNamespace(pod); }
            case EPHEMERAL -> keep.removeLabels(pod);
            case NODE -> { }
        }
    }

    private static void mountRootPartition(Pod pod, String name) {
        var volumes = pod.getSpec().getVolumes() == null ? new ArrayList<Volume>() : new ArrayList<>(pod.getSpec().getVolumes());
        var v = new Volume();
        v.setName("host-root");
        v.setHostPath(new HostPathVolumeSource("/", null));
        volumes.add(v);
        pod.getSpec().setVolumes(volumes);
        // kubectl mounts it in regular containers only: node debug pods have nothing else.
        for (var c : pod.getSpec().getContainers()) {
            if (!c.getName().equals(name)) continue;
            var mounts = c.getVolumeMounts() == null ? new ArrayList<VolumeMount>() : new ArrayList<>(c.getVolumeMounts());
            var m = new VolumeMount();
            m.setMountPath("/host");
            m.setName("host-root");
            mounts.add(m);
            c.setVolumeMounts(mounts);
        }
    }

    private static void useHostNamespaces(Pod pod) {
        pod.getSpec().setHostNetwork(true);
        pod.getSpec().setHostPID(true);
        pod.getSpec().setHostIPC(true);
    }

    private static void shareProcessNamespace(Pod pod) {
        if (pod.getSpec().getShareProcessNamespace() == null) pod.getSpec().setShareProcessNamespace(true);
    }

    private static void clearSecurityContext(Pod pod, String name) {
        PodContainers.find(pod, name).setSecurityContext(null);
    }

    private static SecurityContext securityContext(Pod pod, String name) {
        var c = PodContainers.find(pod, name);
        if (c.getSecurityContext() == null) c.setSecurityContext(new SecurityContext());
        return c.getSecurityContext();
    }

    private static void addCapabilities(Pod pod, String name, String... caps) {
        var sc = securityContext(pod, name);
        if (sc.getCapabilities() == null) sc.setCapabilities(new Capabilities());
        var add = sc.getCapabilities().getAdd() == null ? new ArrayList<String>() : new ArrayList<>(sc.getCapabilities().getAdd());
        add.addAll(List.of(caps));
        sc.getCapabilities().setAdd(add);
    }
}
