package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns {@link DebugOptions} and the fetched target into a {@link DebugPlan}, the way kubectl's
 * debug.go builds its ephemeral container, pod copy and node pod. Pure: no API calls.
 */
public final class DebugPlanner {
    /** The label kubectl puts on node debug pods; kscope sets it too, so leftovers are easy to find. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "kscope-debug";

    private final DebugOptions o;
    private final Profile profile;
    private final Supplier<String> nameSuffix;
    private final List<String> notices = new ArrayList<>();

    /**
     * @param profile    the profile with {@link Profile#AUTO} already resolved
     * @param nameSuffix random suffix for generated names (kubectl: 5 chars of utilrand.String)
     */
    public DebugPlanner(DebugOptions options, Profile profile, Supplier<String> nameSuffix) {
        this.o = options;
        this.profile = profile;
        this.nameSuffix = nameSuffix;
        if (profile == Profile.LEGACY) {
            notices.add("--profile=legacy is deprecated and planned to be removed in kubectl v1.39. It is recommended to specify other profile, for example \"--profile=general\".");
        }
    }

    public DebugPlan planEphemeral(Pod pod) {
        var ns = pod.getMetadata().getNamespace();
        var podName = pod.getMetadata().getName();
        var phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            throw new KscopeException("pod " + podName + " is not running (phase " + phase + "): ephemeral containers can only be added to a live pod"
                    + " (debug a copy instead: --copy-to " + podName + "-debug)");
        }
        if (o.targetContainer != null && !PodContainers.regularNames(pod).contains(o.targetContainer)) {
            throw new KscopeException("container \"" + o.targetContainer + "\" not found in pod " + podName
                    + " (--target takes one of: " + String.join(", ", PodContainers.regularNames(pod)) + ")");
        }
        if (o.container != null && PodContainers.names(pod).contains(o.container)) {
            throw new KscopeException("a container named \"" + o.container + "\" already exists in pod " + podName
                    + " (choose another --container name; ephemeral containers cannot be reused)");
        }
        if (o.targetContainer != null && !o.quiet) {
            notices.add("Targeting container \"" + o.targetContainer + "\". If you don't see processes from this container it may be because the container runtime doesn't support this feature.");
        }
        var name = debugContainerName(pod);

        var debug = newDebugContainer(name);

        // Profiles work on a pod's containers; the ephemeral one rides along as a regular container of a scratch copy.
        var scratch = Serialization.clone(pod);
        var containers = PodContainers.mutable(scratch.getSpec().getContainers());
        containers.add(debug);
        scratch.getSpec().setContainers(containers);
        profile.apply(scratch, name, DebugStyle.EPHEMERAL, o.keepFlags);
        debug = PodContainers.find(scratch, name);
        if (o.custom != null) debug = o.custom.applyTo(debug, Container.class);

        var ec = Serialization.unmarshal(Serialization.asJson(debug), EphemeralContainer.class);
        ec.setTargetContainerName(o.targetContainer);
        warnNonRoot(pod, debug);

        // What kubectl's CreateTwoWayMergePatch yields for one appended ephemeral container.
        var spec = new LinkedHashMap<String, Object>();
        var existing = PodContainers.list(pod.getSpec().getEphemeralContainers());
        if (!existing.isEmpty()) {
            var order = new ArrayList<Map<String, String>>();
            existing.forEach(e -> order.add(Map.of("name", e.getName())));
            order.add(Map.of("name", name));
            spec.put("$setElementOrder/ephemeralContainers", order);
        }
        spec.put("ephemeralContainers", List.of(Serialization.unmarshal(Serialization.asJson(ec), Map.class)));
        var patch = Serialization.asJson(Map.of("spec", spec));
        return new DebugPlan.Ephemeral(ns, podName, ec, patch, List.copyOf(notices));
    }

    public DebugPlan planCopy(Pod pod) {
        var copied = new Pod();
        var meta = new ObjectMeta();
        meta.setName(o.copyTo);
        meta.setNamespace(pod.getMetadata().getNamespace());
        meta.setAnnotations(copyOrNull(pod.getMetadata().getAnnotations()));
        meta.setLabels(copyOrNull(pod.getMetadata().getLabels()));
        copied.setMetadata(meta);
        copied.setSpec(Serialization.clone(pod.getSpec()));
        copied.getSpec().setEphemeralContainers(null); // a new pod cannot be created with them
        if (o.shareProcesses != null) copied.getSpec().setShareProcessNamespace(o.shareProcesses);
        if (!o.sameNode) copied.getSpec().setNodeName(null);

        for (var c : PodContainers.list(copied.getSpec().getContainers())) {
            var override = o.setImages.getOrDefault(c.getName(), o.setImages.get("*"));
            if (override != null && !override.isEmpty()) c.setImage(override);
        }
        for (var key : o.setImages.keySet()) {
            if (!key.equals("*") && PodContainers.lookup(copied, key).isEmpty()) {
                throw new KscopeException("container \"" + key + "\" not found in pod " + pod.getMetadata().getName()
                        + " (--set-image takes one of: " + String.join(", ", PodContainers.regularNames(pod)) + ", or *)");
            }
        }

        var names = PodContainers.names(pod);
        if (o.copyAddsNoContainer(names)) {
            return new DebugPlan.Copy(copied, null, pod, o.replace, List.copyOf(notices)); // a --set-image-only copy: kubectl applies no profile
        }
        var name = o.container;
        var c = name == null ? null : PodContainers.lookup(copied, name).orElse(null);
        var added = c == null;
        if (added) {
            if (name == null) name = debugContainerName(copied);
            c = new Container();
            c.setName(name);
            c.setTerminationMessagePolicy("File");
            var containers = PodContainers.mutable(copied.getSpec().getContainers());
            containers.add(c);
            copied.getSpec().setContainers(containers);
        }
        if (!o.args.isEmpty()) setCommand(c);
        if (!o.env.isEmpty()) c.setEnv(envVars());
        if (o.image != null) c.setImage(o.image);
        else if (added) c.setImage(o.defaultImage);
        if (o.imagePullPolicy != null && !o.imagePullPolicy.isEmpty()) c.setImagePullPolicy(o.imagePullPolicy);
        c.setStdin(o.stdin);
        c.setTty(o.tty);

        profile.apply(copied, name, DebugStyle.POD_COPY, o.keepFlags);
        if (o.custom != null) replaceContainer(copied, o.custom.applyTo(PodContainers.find(copied, name), Container.class));
        warnNonRoot(copied, PodContainers.find(copied, name));
        return new DebugPlan.Copy(copied, name, pod, o.replace, List.copyOf(notices));
    }

    public DebugPlan planNode(Node node, String namespace) {
        var cn = o.container != null ? o.container : "debugger";
        var pn = "node-debugger-" + node.getMetadata().getName() + "-" + nameSuffix.get();
        if (!o.quiet) notices.add("Creating debugging pod " + pn + " with container " + cn + " on node " + node.getMetadata().getName() + ".");

        var c = newDebugContainer(cn);

        var p = new Pod();
        var meta = new ObjectMeta();
        meta.setName(pn);
        meta.setNamespace(namespace);
        meta.setLabels(new LinkedHashMap<>(Map.of(MANAGED_BY, MANAGED_BY_VALUE)));
        p.setMetadata(meta);
        var spec = new PodSpec();
        spec.setContainers(new ArrayList<>(List.of(c)));
        spec.setNodeName(node.getMetadata().getName());
        spec.setRestartPolicy("Never");
        var tolerateAll = new Toleration();
        tolerateAll.setOperator("Exists");
        spec.setTolerations(new ArrayList<>(List.of(tolerateAll)));
        p.setSpec(spec);

        profile.apply(p, cn, DebugStyle.NODE, o.keepFlags);
        if (o.custom != null) replaceContainer(p, o.custom.applyTo(PodContainers.find(p, cn), Container.class));
        return new DebugPlan.Node(p, cn, node.getMetadata().getName(), List.copyOf(notices));
    }

    /** kubectl's computeDebugContainerName: --container, else a fresh debugger-xxxxx. */
    private String debugContainerName(Pod pod) {
        if (o.container != null) return o.container;
        var taken = PodContainers.names(pod);
        String cn;
        do {
            cn = "debugger-" + nameSuffix.get();
        } while (taken.contains(cn));
        if (!o.quiet) notices.add("Defaulting debug container name to " + cn + ".");
        return cn;
    }

    /** The debug container as the flags describe it (ephemeral or on a node; a pod copy edits one in place). */
    private Container newDebugContainer(String name) {
        var c = new Container();
        c.setName(name);
        c.setEnv(envVars());
        c.setImage(o.debugImage());
        c.setImagePullPolicy(emptyToNull(o.imagePullPolicy));
        c.setStdin(o.stdin);
        c.setTerminationMessagePolicy("File");
        c.setTty(o.tty);
        setCommand(c);
        return c;
    }

    private void setCommand(Container c) {
        if (o.args.isEmpty()) return;
        if (o.argsOnly) {
            c.setArgs(new ArrayList<>(o.args));
        } else {
            c.setCommand(new ArrayList<>(o.args));
            c.setArgs(null);
        }
    }

    private List<EnvVar> envVars() {
        var list = new ArrayList<EnvVar>();
        o.env.forEach((k, v) -> list.add(new EnvVar(k, v, null)));
        return list;
    }

    /** kubectl's displayWarning: capabilities do little for a non-root user set pod-wide. */
    private void warnNonRoot(Pod pod, Container c) {
        var psc = pod.getSpec().getSecurityContext();
        if (psc == null || psc.getRunAsUser() == null || psc.getRunAsUser() == 0) return;
        var sc = c.getSecurityContext();
        if (sc == null || (sc.getRunAsUser() != null && sc.getRunAsUser() == 0)) return;
        var privileged = Boolean.TRUE.equals(sc.getPrivileged());
        var caps = sc.getCapabilities() != null && !PodContainers.list(sc.getCapabilities().getAdd()).isEmpty();
        if (!privileged && !caps) return;
        notices.add("Warning: Non-root user is configured for the entire target Pod, and some capabilities granted by debug profile may not work."
                + " Please consider using \"--custom\" with a custom profile that specifies \"securityContext.runAsUser: 0\".");
    }

    private static void replaceContainer(Pod pod, Container merged) {
        var list = pod.getSpec().getContainers();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).getName().equals(merged.getName())) list.set(i, merged);
        }
    }

    private static <K, V> Map<K, V> copyOrNull(Map<K, V> m) {
        return m == null || m.isEmpty() ? null : new LinkedHashMap<>(m);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** kubectl's nameSuffixFunc: utilrand.String(5), from an alphabet without vowels or confusable characters. */
    public static String randomSuffix() {
        var alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var r = new SecureRandom();
        var sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }
}
