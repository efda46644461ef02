package dev.kscope.containers.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * fabric8's {@link Config} for a kubeconfig context whose credentials are written in the file (a token or token file,
 * a client certificate and key, a user name and password, or none), read as a plain YAML tree. fabric8's own reader
 * deserializes the kubeconfig through its resource registry, which loads and instantiates all ~600 Kubernetes model
 * classes first: ~1.3 CPU-seconds in a cold JVM, more than listing a cluster. Anything this reader does not cover
 * (credential plugins: exec, auth-provider; impersonation; a proxy) makes it answer null, and fabric8 reads the file.
 */
final class StaticKubeconfig {
    private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy");

    private StaticKubeconfig() {
    }

    /**
     * The configuration of {@code context} (null: the current one) in {@code file}, or null when fabric8 must read it.
     *
     * @throws dev.kscope.core.KscopeException when the context is not in the file (bad input)
     */
    static Config read(Path file, String context) throws IOException {
        var root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        if (root == null || !root.isObject()) return null;
        var name = context != null ? context : root.path("current-context").asText("");
        var namedContext = named(root, "contexts", name);
        if (namedContext == null) {
            if (context == null) return null; // no usable current context: fabric8's answer (and error) for it
            var known = new ArrayList<String>();
            root.path("contexts").forEach(c -> known.add(c.path("name").asText()));
            throw KubernetesClients.contextNotFound(context, file, known);
        }
        var ctx = namedContext.path("context");
        var clusterEntry = named(root, "clusters", ctx.path("cluster").asText(""));
        var userEntry = named(root, "users", ctx.path("user").asText(""));
        var cluster = clusterEntry == null ? null : clusterEntry.path("cluster");
        var user = userEntry == null ? null : userEntry.path("user");
        if (cluster == null || !cluster.hasNonNull("server") || cluster.has("proxy-url")
                || PROXY_VARIABLES.stream().anyMatch(v -> System.getenv(v) != null)) return null;
        if (user != null && (user.has("exec") || user.has("auth-provider") || user.has("as") || user.has("as-groups") || user.has("as-uid")
                || user.has("as-user-extra"))) return null;
        var dir = file.toAbsolutePath().getParent();
        var b = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.get("server").asText());
        if (cluster.path("insecure-skip-tls-verify").asBoolean(false)) b.withTrustCerts(true).withDisableHostnameVerification(true);
        if (cluster.hasNonNull("tls-server-name")) b.withTlsServerName(cluster.get("tls-server-name").asText());
        if (cluster.hasNonNull("certificate-authority-data")) b.withCaCertData(cluster.get("certificate-authority-data").asText());
        else if (cluster.hasNonNull("certificate-authority")) b.withCaCertFile(path(dir, cluster.get("certificate-authority")));
        if (ctx.hasNonNull("namespace")) b.withNamespace(ctx.get("namespace").asText());
        if (user != null) {
            if (user.hasNonNull("client-certificate-data")) b.withClientCertData(user.get("client-certificate-data").asText());
            else if (user.hasNonNull("client-certificate")) b.withClientCertFile(path(dir, user.get("client-certificate")));
            String keyFile = user.hasNonNull("client-key") ? path(dir, user.get("client-key")) : null;
            String keyData = user.hasNonNull("client-key-data") ? user.get("client-key-data").asText() : null;
            if (keyData != null) b.withClientKeyData(keyData);
            else if (keyFile != null) b.withClientKeyFile(keyFile);
            if (keyData != null || keyFile != null) b.withClientKeyAlgo(Config.getKeyAlgorithm(keyData != null ? null : keyFile, keyData));
            // fabric8 keeps a kubeconfig's token apart from one set by code; 8.0 ignores tokenFile, kubectl sends its content
            if (user.hasNonNull("token")) b.withAutoOAuthToken(user.get("token").asText());
            else if (user.hasNonNull("tokenFile")) b.withAutoOAuthToken(Files.readString(Path.of(path(dir, user.get("tokenFile")))).trim());
            if (user.hasNonNull("username")) b.withUsername(user.get("username").asText());
            if (user.hasNonNull("password")) b.withPassword(user.get("password").asText());
        }
        return b.build();
    }

    /** The entry called {@code name} in the list {@code list} ("contexts", "clusters", "users"), or null. */
    private static JsonNode named(JsonNode root, String list, String name) {
        for (var entry : root.path(list)) if (name.equals(entry.path("name").asText(null))) return entry;
        return null;
    }

    /** Relative paths in a kubeconfig are relative to its directory, as kubectl reads them. */
    private static String path(Path dir, JsonNode value) {
        return dir.resolve(value.asText()).toString();
    }
}
