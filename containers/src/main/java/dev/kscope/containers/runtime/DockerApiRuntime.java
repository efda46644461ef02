package dev.kscope.containers.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.containers.Container;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Docker or podman over the Docker Engine API (HTTP on a unix socket). */
public final class DockerApiRuntime implements RuntimeClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/v1.41";
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final RuntimeEndpoint endpoint;
    private volatile String name;
    private volatile boolean closed;
    private volatile UnixHttp.Streaming events;
    private Thread watcher;

    DockerApiRuntime(RuntimeEndpoint endpoint) {
        this.endpoint = endpoint;
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

    /** Asks the engine its version; podman answers with a "Podman Engine" component. */
    public String version() {
        var v = get("/version");
        for (var c : v.path("Components")) {
            if (c.path("Name").asText().toLowerCase().contains("podman")) name = "podman";
        }
        return name + " " + v.path("Version").asText("?");
    }

    @Override
    public Set<String> runningIds() {
        var ids = new HashSet<String>();
        for (var c : get(API + "/containers/json")) ids.add(c.path("Id").asText());
        return ids;
    }

    @Override
    public Optional<Container> inspect(String id) {
        var r = request(API + "/containers/" + id + "/json");
        if (r.status() == 404) return Optional.empty();
        var c = body(r);
        var state = c.path("State");
        var status = state.path("Status").asText("");
        if (!state.path("Running").asBoolean(false) && !status.equals("created") && !status.equals("configured")) return Optional.empty();
        var labels = new HashMap<String, String>();
        c.path("Config").path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        var runtimeName = c.path("Name").asText("").replaceFirst("^/", "");
        return Optional.of(new Container(name, c.path("Id").asText(id),
                labels.getOrDefault("io.kubernetes.container.name", runtimeName),
                c.path("Config").path("Image").asText(c.path("ImageName").asText("")),
                labels.get("io.kubernetes.pod.name"), labels.get("io.kubernetes.pod.namespace"), labels.get("io.kubernetes.pod.uid"),
                labels, state.path("Pid").asInt(0), 0, 0, "", null, ""));
    }

    @Override
    public synchronized boolean watch(Consumer<String> started, Consumer<String> stopped) {
        if (watcher != null) return true;
        watcher = Thread.ofPlatform().daemon().name("kscope-" + name + "-events").start(() -> {
            var filters = URLEncoder.encode("{\"type\":[\"container\"]}", StandardCharsets.UTF_8);
            while (!closed) {
                try (var s = UnixHttp.stream(endpoint.socket(), API + "/events?filters=" + filters)) {
                    events = s;
                    if (s.status() != 200) throw new IOException("HTTP " + s.status());
                    var it = JSON.readerFor(JsonNode.class).<JsonNode>readValues(s.body());
                    while (!closed && it.hasNextValue()) {
                        var e = it.nextValue();
                        var action = e.path("Action").asText(e.path("status").asText(""));
                        var id = e.path("Actor").path("ID").asText(e.path("id").asText(""));
                        if (id.isEmpty()) continue;
                        if (action.equals("start")) started.accept(id);
                        else if (action.equals("die") || action.equals("stop") || action.equals("died")) stopped.accept(id);
                    }
                } catch (IOException | RuntimeException e) {
                    // the runtime went away: the collection's resync notices and warns; reconnect quietly
                }
                sleep(Duration.ofSeconds(1));
            }
        });
        return true;
    }

    private JsonNode get(String path) {
        var r = request(path);
        if (r.status() != 200) {
            throw new RuntimeUnavailableException("GET " + path + " answered HTTP " + r.status() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8).strip(), null);
        }
        return body(r);
    }

    private UnixHttp.Response request(String path) {
        if (!Files.exists(endpoint.socket())) throw new RuntimeUnavailableException(endpoint.socket() + " does not exist", null);
        try {
            return UnixHttp.get(endpoint.socket(), path, TIMEOUT);
        } catch (IOException e) {
            throw new RuntimeUnavailableException(String.valueOf(e.getMessage()), e);
        }
    }

    private static JsonNode body(UnixHttp.Response r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new RuntimeUnavailableException("unreadable answer: " + e.getMessage(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        var s = events;
        if (s != null) s.close();
        if (watcher != null) watcher.interrupt();
    }
}
