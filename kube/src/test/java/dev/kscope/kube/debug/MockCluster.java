package dev.kscope.kube.debug;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A Kubernetes API server for tests: fabric8's mock server in CRUD mode, plus what it lacks for
 * debugging: the pods/ephemeralcontainers subresource, a fake attach stream endpoint, canned error
 * answers, and a fake kubelet that sets container states. Every request is recorded.
 */
final class MockCluster implements AutoCloseable {
    record Request(String method, String path, String contentType, String body) {
    }

    private final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    private final KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Canned answers, checked first: "METHOD /path" (path without query) to response. */
    final Map<String, Function<RecordedRequest, MockResponse>> overrides = new HashMap<>();
    /** The fake attach endpoint; null answers attach with 404. */
    volatile WebSocketListener attach;
    /** The fake kubelet: the state a container gets once it exists; null leaves it without status. */
    volatile Function<String, ContainerState> kubelet = name -> running();

    /** The mock server logs every request at INFO: keep test output readable (held here so the setting is not collected). */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    final KubernetesMockServer server;
    final KubernetesClient client;
    private final KubernetesClient kubeletClient;
    private final Thread kubeletThread;
    private volatile boolean closed;

    MockCluster() {
        var dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                var path = r.getPath();
                var bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                if (!"fake-kubelet".equals(r.getHeader("User-Agent"))) {
                    requests.add(new Request(r.getMethod(), path, r.getHeader("Content-Type"), body(r)));
                }
                var override = overrides.get(r.getMethod() + " " + bare);
                if (override != null) return override.apply(r);
                if (bare.endsWith("/attach")) {
                    return attach == null ? status(404, "NotFound", "attach not available") : new MockResponse().withWebSocketUpgrade(attach);
                }
                var response = bare.endsWith("/ephemeralcontainers") && r.getMethod().equals("PATCH") ? patchEphemeral(r, bare) : crud.dispatch(r);
                // The CRUD mock writes JSON without saying so; kubectl would read it as protobuf.
                if (response.getHeaders().get("Content-Type") == null && response.getWebSocketListener() == null) {
                    response.setHeader("Content-Type", "application/json");
                }
                return response;
            }
        };
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses, dispatcher, false);
        server.init();
        // fabric8's mock server can stall its event loop for seconds when a watch closes (WatchEventsListener.onClosed
        // awaits its executor there); a generous request timeout keeps that from failing tests on a loaded machine.
        client = server.createClient(b -> b.withHttpClientFactory(KubeConnection.httpClients()).editOrNewConfig().withRequestRetryBackoffLimit(0).withRequestTimeout(60_000).withNamespace("default").endConfig());
        kubeletClient = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).withRequestTimeout(60_000).withUserAgent("fake-kubelet").endConfig());
        kubeletThread = Thread.ofPlatform().daemon().name("fake-kubelet").start(this::runKubelet);
    }

    /** The API server's side of a strategic-merge patch that appends ephemeral containers. */
    @SuppressWarnings("unchecked")
    private MockResponse patchEphemeral(RecordedRequest r, String bare) {
        var podPath = bare.substring(0, bare.length() - "/ephemeralcontainers".length());
        var current = crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, podPath, Headers.builder().build(), new Buffer()));
        if (current.code() != 200) return current;
        var pod = Serialization.unmarshal(new String(current.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8), Pod.class);
        Map<String, Object> patch = Serialization.unmarshal(body(r), Map.class);
        var added = (List<Object>) ((Map<String, Object>) patch.get("spec")).get("ephemeralContainers");
        var list = new ArrayList<>(PodContainers.list(pod.getSpec().getEphemeralContainers()));
        for (var a : added) list.add(Serialization.unmarshal(Serialization.asJson(a), EphemeralContainer.class));
        pod.getSpec().setEphemeralContainers(list);
        var body = new Buffer().writeUtf8(Serialization.asJson(pod));
        return crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.PUT, podPath,
                Headers.builder().add("Content-Type", "application/json").build(), body));
    }

    /** The request body, read without consuming it (the CRUD dispatcher reads it again). */
    static String body(RecordedRequest r) {
        return r.getBody() == null ? "" : new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    static MockResponse status(int code, String reason, String message) {
        return status(code, reason, message, null);
    }

    static MockResponse status(int code, String reason, String message, String detailsName) {
        var details = detailsName == null ? "" : ",\"details\":{\"name\":\"" + detailsName + "\",\"kind\":\"pods\"}";
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                        + Serialization.asJson(message) + ",\"reason\":\"" + reason + "\"" + details + ",\"code\":" + code + "}");
    }

    static ContainerState running() {
        return new ContainerStateBuilder().withNewRunning().withStartedAt("2026-01-01T00:00:00Z").endRunning().build();
    }

    static ContainerState waiting(String reason, String message) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build();
    }

    static ContainerState terminated(int code) {
        return new ContainerStateBuilder().withNewTerminated().withExitCode(code).endTerminated().build();
    }

    /** Writes requests other than the reads a session always makes: what a test checks for "nothing left behind". */
    List<Request> writes() {
        return requests.stream().filter(r -> !r.method().equals("GET")).toList();
    }

    Pod createPod(Pod pod) {
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    }

    private void runKubelet() {
        while (!closed) {
            try {
                if (kubelet == null) {
                    Thread.sleep(20);
                    continue;
                }
                for (var pod : kubeletClient.pods().inAnyNamespace().list().getItems()) react(pod);
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the server is shutting down or the pod changed under us: try again
            }
        }
    }

    private void react(Pod pod) {
        var policy = kubelet;
        if (policy == null) return;
        if (pod.getStatus() != null && ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase()))) return;
        var status = pod.getStatus() == null ? new PodStatusBuilder().withPhase("Running").build() : pod.getStatus();
        var changed = false;
        var regular = new ArrayList<>(PodContainers.list(status.getContainerStatuses()));
        for (var c : PodContainers.list(pod.getSpec().getContainers())) {
            if (regular.stream().noneMatch(s -> s.getName().equals(c.getName()))) {
                regular.add(containerStatus(c.getName(), c.getImage(), policy.apply(c.getName())));
                changed = true;
            }
        }
        var ephemeral = new ArrayList<>(PodContainers.list(status.getEphemeralContainerStatuses()));
        for (var c : PodContainers.list(pod.getSpec().getEphemeralContainers())) {
            if (ephemeral.stream().noneMatch(s -> s.getName().equals(c.getName()))) {
                ephemeral.add(containerStatus(c.getName(), c.getImage(), policy.apply(c.getName())));
                changed = true;
            }
        }
        if (!changed) return;
        status.setContainerStatuses(regular);
        status.setEphemeralContainerStatuses(ephemeral);
        if (status.getPhase() == null) status.setPhase("Running");
        pod.setStatus(status);
        kubeletClient.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
    }

    private static ContainerStatus containerStatus(String name, String image, ContainerState state) {
        return new ContainerStatusBuilder().withName(name).withImage(image).withState(state).withReady(state.getRunning() != null).build();
    }

    @Override
    public void close() {
        closed = true;
        kubeletThread.interrupt();
        client.close();
        kubeletClient.close();
        server.destroy();
    }
}
