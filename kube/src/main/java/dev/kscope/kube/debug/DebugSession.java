package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One {@code kscope debug} run: fetch the target, plan, send, wait, attach, clean up.
 * Every pod it creates is deleted again when the session ends (normally, with an error, or on
 * Ctrl-C through a shutdown hook), unless the user asked to keep it, detached, or did not attach.
 */
public final class DebugSession {
    public enum Output { NONE, YAML, JSON }

    public record Io(InputStream in, PrintStream out, PrintStream err, Terminal terminal) {
    }

    private final KubernetesClient client;
    private final DebugOptions o;
    private final Io io;
    private final Supplier<String> nameSuffix;
    private Duration timeout = Duration.ZERO;
    private DetachKeys detachKeys = DetachKeys.parse(DetachKeys.DEFAULT);
    private Output dryRun = Output.NONE;
    private final List<Pod> created = new ArrayList<>();
    private Thread cleanupHook;

    public DebugSession(KubernetesClient client, DebugOptions options, Io io, Supplier<String> nameSuffix) {
        this.client = client;
        this.o = options;
        this.io = io;
        this.nameSuffix = nameSuffix;
    }

    /** How long to wait for the container to run; zero waits as long as it takes (like kubectl). */
    public DebugSession timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public DebugSession detachKeys(DetachKeys keys) {
        this.detachKeys = keys;
        return this;
    }

    /** Print what would be sent instead of sending it (--dry-run=client -o yaml|json). */
    public DebugSession dryRun(Output format) {
        this.dryRun = format;
        return this;
    }

    /** Runs the session; returns the exit code (the debug container's, when attached). */
    public int run() throws InterruptedException {
        o.validate();
        var plan = plan();
        if (Boolean.TRUE.equals(o.attach) && plan.containerName() == null) {
            throw new KscopeException("nothing to attach to: a --set-image-only copy has no debug container (add --image IMAGE or --container NAME, or drop --attach)");
        }
        plan.notices().forEach(io.err()::println);
        if (dryRun != Output.NONE) {
            printDryRun(plan);
            return 0;
        }
        try {
            send(plan);
            return follow(plan);
        } catch (RuntimeException | InterruptedException e) {
            cleanup();
            throw e;
        }
    }

    public DebugPlan plan() {
        var ns = client.getNamespace();
        return switch (o.target) {
            case DebugTarget.PodTarget t -> {
                var pod = get(() -> client.pods().inNamespace(ns).withName(t.name()).get(), "get pod " + t.name() + " in namespace " + ns);
                if (pod == null) {
                    throw new KscopeException("pod \"" + t.name() + "\" not found in namespace \"" + ns + "\""
                            + " (list pods with 'kubectl get pods -n " + ns + "', or pick the namespace with -n)");
                }
                yield o.copying() ? planner(ns).planCopy(pod) : planner(ns).planEphemeral(pod);
            }
            case DebugTarget.NodeTarget t -> {
                var node = get(() -> client.nodes().withName(t.name()).get(), "get node " + t.name());
                if (node == null) {
                    throw new KscopeException("node \"" + t.name() + "\" not found (list nodes with 'kubectl get nodes')");
                }
                yield planner(ns).planNode(node, ns);
            }
        };
    }

    private DebugPlanner planner(String ns) {
        return new DebugPlanner(o, resolveProfile(ns), nameSuffix);
    }

    private Profile resolveProfile(String ns) {
        if (o.profile != Profile.AUTO) return o.profile;
        io.fabric8.kubernetes.api.model.Namespace namespace;
        try {
            namespace = client.namespaces().withName(ns).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) throw KubeConnection.explain(e, "get namespace " + ns + " (for --profile auto)", client.getMasterUrl().toString());
            // Many users may not read namespaces: fall back like an unlabelled namespace and say so.
            io.err().println("Warning: cannot read namespace " + ns + " to choose the profile (forbidden); using --profile general."
                    + " If admission rejects it, pass --profile baseline or --profile restricted.");
            return Profile.GENERAL;
        }
        var labels = namespace == null || namespace.getMetadata().getLabels() == null ? Map.<String, String>of() : namespace.getMetadata().getLabels();
        var chosen = Profile.AUTO.resolve(labels);
        if (!o.quiet) {
            io.err().println("Profile auto: namespace " + ns + " enforces Pod Security level \""
                    + labels.getOrDefault(Profile.ENFORCE_LABEL, "privileged") + "\", using --profile " + chosen + ".");
        }
        return chosen;
    }

    private void printDryRun(DebugPlan plan) {
        Object document;
        switch (plan) {
            case DebugPlan.Ephemeral e -> {
                io.err().println("# PATCH /api/v1/namespaces/" + e.namespace() + "/pods/" + e.podName()
                        + "/ephemeralcontainers (Content-Type: application/strategic-merge-patch+json)");
                document = Serialization.unmarshal(e.patch(), Map.class);
            }
            case DebugPlan.Copy c -> {
                io.err().println("# POST /api/v1/namespaces/" + c.namespace() + "/pods"
                        + (c.replace() ? ", then DELETE pod " + c.original().getMetadata().getName() + " once the copy runs" : ""));
                document = c.pod();
            }
            case DebugPlan.Node n -> {
                io.err().println("# POST /api/v1/namespaces/" + n.namespace() + "/pods");
                document = n.pod();
            }
        }
        if (dryRun == Output.JSON) {
            io.out().println(Serialization.asJson(document));
        } else {
            io.out().print(Serialization.asYaml(document));
        }
    }

    private void send(DebugPlan plan) {
        switch (plan) {
            case DebugPlan.Ephemeral e -> {
                try {
                    client.pods().inNamespace(e.namespace()).withName(e.podName()).ephemeralContainers()
                            .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), e.patch());
                } catch (KubernetesClientException ex) {
                    // The API server answers 404 without details when the ephemeralcontainers subresource does not exist;
                    // a pod deleted in the meantime names itself in the details.
                    var details = ex.getStatus() == null ? null : ex.getStatus().getDetails();
                    if (ex.getCode() == 404 && (details == null || details.getName() == null || details.getName().isEmpty())) {
                        throw new KscopeException("ephemeral containers are disabled for this cluster (the API server has no pods/ephemeralcontainers subresource;"
                                + " enable the EphemeralContainers feature gate on Kubernetes < 1.25, or debug a copy with --copy-to NAME)", ex);
                    }
                    throw KubeConnection.explain(ex, "add ephemeral container " + e.containerName() + " to pod " + e.podName()
                            + " in namespace " + e.namespace(), client.getMasterUrl().toString());
                }
                if (!o.quiet && !o.attaching()) {
                    io.err().println("Added ephemeral container " + e.containerName() + " to pod " + e.podName() + "; attach with: kubectl attach "
                            + e.podName() + " -c " + e.containerName() + " -n " + e.namespace() + (o.stdin ? " -i" : "") + (o.tty ? " -t" : ""));
                }
            }
            case DebugPlan.Copy c -> create(c.pod());
            case DebugPlan.Node n -> create(n.pod());
        }
    }

    private void create(Pod pod) {
        var ns = pod.getMetadata().getNamespace();
        var name = pod.getMetadata().getName();
        // Register before sending: a Ctrl-C during the request must still delete what it may have created.
        registerCleanup(pod);
        try {
            client.pods().inNamespace(ns).resource(pod).create();
        } catch (KubernetesClientException e) {
            synchronized (created) {
                created.remove(pod);
            }
            if (e.getCode() == 409) {
                throw new KscopeException("cannot create pod " + name + " in namespace " + ns + ": a pod with that name already exists"
                        + " (pick another --copy-to name, or delete it with 'kubectl delete pod " + name + " -n " + ns + "')", e);
            }
            throw KubeConnection.explain(e, "create pod " + name + " in namespace " + ns, client.getMasterUrl().toString());
        }
        if (!o.quiet && !o.attaching()) io.err().println("Created pod " + name + " in namespace " + ns + ".");
    }

    private int follow(DebugPlan plan) throws InterruptedException {
        var ns = plan.namespace();
        var pod = plan.podName();
        var container = plan.containerName();
        var replace = plan instanceof DebugPlan.Copy c && c.replace();
        ContainerWaiter.Outcome outcome = null;
        if (container != null && (o.attaching() || replace)) {
            outcome = ContainerWaiter.await(client, ns, pod, container, timeout, w -> { if (!o.quiet) io.err().println("Warning: " + w); });
        }
        if (replace) {
            var original = ((DebugPlan.Copy) plan).original().getMetadata().getName();
            get(() -> client.pods().inNamespace(ns).withName(original).withGracePeriod(0).delete(), "delete pod " + original + " in namespace " + ns);
            if (!o.quiet) io.err().println("Deleted pod " + original + " (--replace); its copy " + pod + " stays.");
        }
        var result = 0;
        var keep = o.keep || replace || !o.attaching() || container == null;
        if (o.attaching() && container != null) {
            if (outcome instanceof ContainerWaiter.Outcome.Terminated t) {
                io.out().print(client.pods().inNamespace(ns).withName(pod).inContainer(container).getLog());
                result = t.exitCode();
            } else {
                if (!o.quiet && o.tty) {
                    io.err().println("If you don't see a command prompt, try pressing enter. Detach with " + DetachKeys.DEFAULT + " unless --detach-keys says otherwise.");
                }
                var r = attachOrLogs(ns, pod, container);
                if (r instanceof TerminalAttach.Result.Exited(int code)) {
                    result = code;
                } else {
                    keep = true;
                    io.err().println();
                    io.err().println("Detached; the debug container keeps running. Attach again with: kubectl attach " + pod + " -c " + container
                            + " -n " + ns + " -i" + (o.tty ? " -t" : "")
                            + (plan instanceof DebugPlan.Ephemeral ? "" : "; delete it with: kubectl delete pod " + pod + " -n " + ns));
                }
            }
        } else if (!o.quiet && container != null && !(plan instanceof DebugPlan.Ephemeral) && !o.keep && !replace) {
            io.err().println("Not attached, so pod " + pod + " is left running; delete it with: kubectl delete pod " + pod + " -n " + ns);
        }
        if (!keep) {
            cleanup();
        } else {
            forgetCleanup();
        }
        return result;
    }

    private TerminalAttach.Result attachOrLogs(String ns, String pod, String container) throws InterruptedException {
        try {
            return TerminalAttach.attach(client, ns, pod, container, o.stdin, o.tty, io.in(), io.out(), io.err(), io.terminal(), detachKeys);
        } catch (KubernetesClientException e) {
            io.err().println("warning: couldn't attach to pod/" + pod + ", falling back to streaming logs: " + e.getMessage());
            io.out().print(client.pods().inNamespace(ns).withName(pod).inContainer(container).getLog());
            return new TerminalAttach.Result.Exited(0);
        }
    }

    private synchronized void registerCleanup(Pod pod) {
        synchronized (created) {
            created.add(pod);
        }
        if (cleanupHook == null) {
            cleanupHook = new Thread(() -> deleteCreated(), "kscope-debug-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanupHook);
        }
    }

    private synchronized void forgetCleanup() {
        synchronized (created) {
            created.clear();
        }
        removeHook();
    }

    private synchronized void cleanup() {
        deleteCreated();
        removeHook();
    }

    private void removeHook() {
        if (cleanupHook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
        cleanupHook = null;
    }

    private void deleteCreated() {
        // Cleanup after Ctrl-C or an interrupt must still reach the API server: the client's blocking calls fail on an interrupted thread.
        var interrupted = Thread.interrupted();
        try {
            deletePods();
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void deletePods() {
        List<Pod> pods;
        synchronized (created) {
            pods = List.copyOf(created);
            created.clear();
        }
        for (var p : pods) {
            var ns = p.getMetadata().getNamespace();
            var name = p.getMetadata().getName();
            try {
                client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
                if (!o.quiet) io.err().println("Deleted debug pod " + name + ".");
            } catch (RuntimeException e) {
                io.err().println("kscope: could not delete debug pod " + name + " in namespace " + ns + ": " + e.getMessage()
                        + " (delete it with 'kubectl delete pod " + name + " -n " + ns + "')");
            }
        }
    }

    private <T> T get(Supplier<T> call, String action) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw KubeConnection.explain(e, action, client.getMasterUrl().toString());
        }
    }
}
