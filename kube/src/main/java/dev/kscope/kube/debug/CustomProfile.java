package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A partial container spec (kubectl's {@code --custom FILE}, JSON or YAML) merged into the debug
 * container after the profile, with Kubernetes strategic-merge rules for a Container: maps merge
 * key by key, {@code null} deletes, {@code env}/{@code ports}/{@code volumeMounts} merge by their
 * merge keys, and every other list is replaced.
 */
public record CustomProfile(Map<String, Object> spec) {

    /** Container lists that merge item by item instead of being replaced (patchMergeKey in k8s.io/api/core/v1). */
    private static final Map<String, String> MERGE_KEYS = Map.of(
            "env", "name", "ports", "containerPort", "volumeMounts", "mountPath", "volumeDevices", "devicePath");

    /** Fields kubectl refuses in a custom profile: they define the debug container itself. */
    private static final List<String> NOT_MODIFIABLE = List.of("name", "command", "image", "lifecycle", "volumeDevices");

    public static CustomProfile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new KscopeException("cannot read custom profile " + file + ": " + e.getMessage()
                    + " (pass a JSON or YAML file holding a partial container spec)");
        }
        return parse(text, file.toString());
    }

    @SuppressWarnings("unchecked")
    static CustomProfile parse(String text, String source) {
        Object parsed;
        Container container;
        try {
            parsed = Serialization.unmarshal(text, Map.class);
            container = Serialization.unmarshal(text, Container.class);
        } catch (RuntimeException e) {
            throw new KscopeException(source + " does not contain a valid container spec: " + firstLine(e)
                    + " (write a partial container spec, e.g. {\"securityContext\":{\"runAsUser\":0}})");
        }
        if (!(parsed instanceof Map<?, ?> map) || map.isEmpty()) {
            throw new KscopeException(source + " does not contain a valid container spec: it is empty or not an object"
                    + " (write a partial container spec, e.g. {\"securityContext\":{\"runAsUser\":0}})");
        }
        if (!container.getAdditionalProperties().isEmpty()) {
            throw new KscopeException(source + ": unknown container field(s) " + container.getAdditionalProperties().keySet()
                    + " (see 'kubectl explain pod.spec.containers' for the field names)");
        }
        for (var field : NOT_MODIFIABLE) {
            if (map.containsKey(field)) {
                throw new KscopeException(source + ": name, command, image, lifecycle and volume devices are not modifiable via custom profile"
                        + " (remove '" + field + "'; use --image, --container or '-- COMMAND' instead)");
            }
        }
        return new CustomProfile((Map<String, Object>) map);
    }

    /** Returns {@code container} with this spec merged in. */
    @SuppressWarnings("unchecked")
    public <C> C applyTo(C container, Class<C> type) {
        Map<String, Object> original = Serialization.unmarshal(Serialization.asJson(container), Map.class);
        return Serialization.unmarshal(Serialization.asJson(mergeMap(original, spec)), type);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> mergeMap(Map<String, Object> original, Map<String, Object> patch) {
        var out = new LinkedHashMap<>(original);
        for (var e : patch.entrySet()) {
            var key = e.getKey();
            var value = e.getValue();
            var old = out.get(key);
            if (value == null) {
                out.remove(key);
            } else if (value instanceof Map<?, ?> m && old instanceof Map<?, ?> o) {
                out.put(key, mergeMap((Map<String, Object>) o, (Map<String, Object>) m));
            } else if (value instanceof List<?> l && old instanceof List<?> o && MERGE_KEYS.containsKey(key)) {
                out.put(key, mergeList((List<Object>) o, (List<Object>) l, MERGE_KEYS.get(key)));
            } else {
                out.put(key, value);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> mergeList(List<Object> original, List<Object> patch, String mergeKey) {
        var out = new ArrayList<>(original);
        for (var item : patch) {
            if (!(item instanceof Map<?, ?> p) || p.get(mergeKey) == null) {
                out.add(item);
                continue;
            }
            var index = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i) instanceof Map<?, ?> o && String.valueOf(p.get(mergeKey)).equals(String.valueOf(o.get(mergeKey)))) {
                    index = i;
                    break;
                }
            }
            if (index < 0) out.add(item);
            else out.set(index, mergeMap((Map<String, Object>) out.get(index), (Map<String, Object>) p));
        }
        return out;
    }

    private static String firstLine(Throwable e) {
        var m = String.valueOf(e.getMessage());
        var nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
