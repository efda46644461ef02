package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Watches a pod until one container runs (kubectl's waitForContainer), but gives up at once with
 * the reason when the container can never start: the image can't be pulled, the container can't be
 * created, the pod stopped, was deleted or can't be scheduled.
 */
public final class ContainerWaiter {
    /** Waiting reasons kubelet reports for a container that will not start without a change by the user. */
    private static final Set<String> FATAL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    public sealed interface Outcome {
        record Running(Pod pod) implements Outcome {
        }

        /** The container already ran to completion (a short command): kubectl shows its logs instead of attaching. */
        record Terminated(Pod pod, int exitCode) implements Outcome {
        }
    }

    private ContainerWaiter() {
    }

    public static Outcome await(KubernetesClient client, String ns, String podName, String container, Duration timeout, Consumer<String> warn) {
        var failure = new AtomicReference<KscopeException>();
        var outcome = new AtomicReference<Outcome>();
        var warned = new HashSet<String>();
        try {
            client.pods().inNamespace(ns).withName(podName).waitUntilCondition(pod -> {
                try {
                    var o = check(pod, podName, container, warned, warn);
                    if (o != null) outcome.set(o);
                    return o != null;
                } catch (KscopeException e) {
                    failure.set(e);
                    return true;
                }
            }, timeout.isZero() ? Long.MAX_VALUE : timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                throw new KscopeException("interrupted while waiting for container " + container + " in pod " + podName, e, 130);
            }
            if (e.getCause() instanceof java.util.concurrent.TimeoutException || e.getMessage() != null && e.getMessage().contains("timed out")) {
                throw new KscopeException("container " + container + " in pod " + podName + " did not start within " + timeout
                        + " (check 'kubectl describe pod " + podName + " -n " + ns + "', or raise --timeout)", e);
            }
            throw KubeConnection.explain(e, "watch pod " + podName + " in namespace " + ns, client.getMasterUrl().toString());
        }
        if (failure.get() != null) throw failure.get();
        return outcome.get();
    }

    /** Null while still waiting; throws when the container can never start. */
    static Outcome check(Pod pod, String podName, String container, Set<String> warned, Consumer<String> warn) {
        if (pod == null) {
            throw new KscopeException("pod " + podName + " was deleted while waiting for container " + container + " (start the debug session again)");
        }
        var status = pod.getStatus();
        var s = status == null ? null : Stream.of(status.getEphemeralContainerStatuses(), status.getContainerStatuses(), status.getInitContainerStatuses())
                .flatMap(l -> l == null ? Stream.<ContainerStatus>empty() : l.stream())
                .filter(cs -> container.equals(cs.getName()))
                .findFirst().orElse(null);
        if (s != null && s.getState() != null) {
            var state = s.getState();
            if (state.getRunning() != null) return new Outcome.Running(pod);
            if (state.getTerminated() != null) {
                var code = state.getTerminated().getExitCode();
                return new Outcome.Terminated(pod, code == null ? 0 : code);
            }
            var waiting = state.getWaiting();
            if (waiting != null && waiting.getReason() != null && FATAL_WAITING.contains(waiting.getReason())) {
                var what = waiting.getReason().contains("Image") ? "its image cannot be pulled" : "it cannot be created";
                var fix = waiting.getReason().contains("Image") ? "check the image name and the registry's access, or pick another --image"
                        : "fix the container spec (see 'kubectl describe pod " + podName + "')";
                throw new KscopeException("container " + container + " in pod " + podName + " cannot start: " + what + ": "
                        + waiting.getReason() + (waiting.getMessage() == null ? "" : ": " + oneLine(waiting.getMessage())) + " (" + fix + ")");
            }
            if (waiting != null && waiting.getMessage() != null && warned.add(waiting.getMessage())) {
                warn.accept("container " + container + ": " + oneLine(waiting.getMessage()));
            }
        }
        var phase = status == null ? null : status.getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            throw new KscopeException("pod " + podName + " is not running (phase " + phase + "), so container " + container
                    + " cannot start (debug a copy with --copy-to NAME)");
        }
        if (status != null) {
            for (var c : status.getConditions() == null ? List.<io.fabric8.kubernetes.api.model.PodCondition>of() : status.getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                    throw new KscopeException("pod " + podName + " cannot be scheduled: " + oneLine(String.valueOf(c.getMessage()))
                            + " (try --same-node, or free capacity on the cluster)");
                }
            }
        }
        return null;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\n\\s*", " ").trim();
    }
}
