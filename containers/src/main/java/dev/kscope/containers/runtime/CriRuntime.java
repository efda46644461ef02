package dev.kscope.containers.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.containers.Container;
import dev.kscope.cri.CriChannels;
import dev.kscope.cri.v1.ContainerFilter;
import dev.kscope.cri.v1.ContainerStateValue;
import dev.kscope.cri.v1.ContainerStatusRequest;
import dev.kscope.cri.v1.ListContainersRequest;
import dev.kscope.cri.v1.PodSandboxStatusRequest;
import dev.kscope.cri.v1.RuntimeServiceGrpc;
import dev.kscope.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** containerd or CRI-O over the Kubernetes CRI (runtime.v1) gRPC API. */
public final class CriRuntime implements RuntimeClient {
    private static final int RUNNING = 1;
    private static final int CREATED = 0;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEADLINE_MS = 3000;

    private final RuntimeEndpoint endpoint;
    private final ManagedChannel channel;
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub stub;
    /** Pod labels by sandbox ID: kubelet puts the pod's labels on the sandbox, not on its containers. */
    private final Map<String, Map<String, String>> sandboxLabels = new ConcurrentHashMap<>();
    private volatile String name;

    CriRuntime(RuntimeEndpoint endpoint) {
        this.endpoint = endpoint;
        this.channel = CriChannels.unix(endpoint.socket());
        this.stub = RuntimeServiceGrpc.newBlockingStub(channel);
        this.name = endpoint.kind().id();
    }

    @Override
    public RuntimeEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public String name() {
        return name;
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub call() {
        if (!Files.exists(endpoint.socket())) {
            throw new RuntimeUnavailableException(endpoint.socket() + " does not exist", null);
        }
        return stub.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS);
    }

    /** Asks the runtime its name (containerd or cri-o), which also proves it answers. */
    public String version() {
        try {
            var v = call().version(VersionRequest.newBuilder().setVersion("v1").build());
            name = v.getRuntimeName().equalsIgnoreCase("cri-o") ? "cri-o" : v.getRuntimeName().isEmpty() ? name : v.getRuntimeName();
            return v.getRuntimeName() + " " + v.getRuntimeVersion();
        } catch (StatusRuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Set<String> runningIds() {
        try {
            return call().listContainers(ListContainersRequest.newBuilder()
                            .setFilter(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder().setState(RUNNING))).build())
                    .getContainersList().stream().map(c -> c.getId()).collect(Collectors.toSet());
        } catch (StatusRuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<Container> inspect(String id) {
        try {
            var r = call().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build());
            var s = r.getStatus();
            if (s.getState() != RUNNING && s.getState() != CREATED) return Optional.empty();
            var info = parse(r.getInfoMap().get("info"));
            var labels = new HashMap<>(podLabels(info.path("sandboxID").asText("")));
            labels.putAll(s.getLabelsMap());
            var image = s.getImage().getImage();
            if (image.isEmpty() || image.startsWith("sha256:")) image = info.path("config").path("image").path("image").asText(image);
            var containerName = s.getLabelsMap().getOrDefault("io.kubernetes.container.name", s.getMetadata().getName());
            return Optional.of(new Container(name, s.getId(), containerName, image,
                    s.getLabelsMap().get("io.kubernetes.pod.name"), s.getLabelsMap().get("io.kubernetes.pod.namespace"),
                    s.getLabelsMap().get("io.kubernetes.pod.uid"), labels, info.path("pid").asInt(0), 0, 0, "", null, ""));
        } catch (StatusRuntimeException e) {
            if (isUnavailable(e)) throw unavailable(e);
            return Optional.empty(); // NotFound: not a container of this runtime (a pod sandbox, or already removed)
        }
    }

    private Map<String, String> podLabels(String sandboxId) {
        if (sandboxId.isEmpty()) return Map.of();
        var cached = sandboxLabels.get(sandboxId);
        if (cached != null) return cached;
        try {
            var labels = call().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
                    .getStatus().getLabelsMap();
            sandboxLabels.put(sandboxId, Map.copyOf(labels));
            return labels;
        } catch (StatusRuntimeException e) {
            if (isUnavailable(e)) throw unavailable(e);
            return Map.of();
        }
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? JSON.missingNode() : JSON.readTree(json);
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    private static boolean isUnavailable(StatusRuntimeException e) {
        var code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED
                || code == Status.Code.UNIMPLEMENTED;
    }

    private RuntimeUnavailableException unavailable(StatusRuntimeException e) {
        var why = e.getStatus().getCode() == Status.Code.UNIMPLEMENTED
                ? "it does not serve CRI runtime.v1 (is this a containerd without the CRI plugin?)"
                : e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
        return new RuntimeUnavailableException(why, e);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
