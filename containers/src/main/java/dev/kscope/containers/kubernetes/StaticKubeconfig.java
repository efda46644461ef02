package dev.kscope.containers.kubernetes;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kscope.containers.kubernetes.JsonTree.at;
import static dev.kscope.containers.kubernetes.JsonTree.array;
import static dev.kscope.containers.kubernetes.JsonTree.text;

/**
 * fabric8's {@link Config} for a kubeconfig context whose credentials are written in the file (a token or token file,
 * a client certificate and key, a user name and password, or none), read as a plain YAML tree ({@link JsonTree}). fabric8's own reader
 * deserializes the kubeconfig through its resource registry, which loads and instantiates all ~600 Kubernetes model
 * classes first: ~1.3 CPU-seconds in a cold JVM, more than listing a cluster. Anything this reader does not cover
 * (credential plugins: exec, auth-provider; impersonation; a proxy) makes it answer null, and fabric8 reads the file.
 */
final class StaticKubeconfig {
    private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy");

    private StaticKubeconfig() {
    }

    /** A context's cluster and credentials, as written in the kubeconfig (file paths made absolute). */
    record Settings(String server, boolean insecure, String tlsServerName, String caData, String caFile, String namespace,
                    String certData, String certFile, String keyData, String keyFile, String token, String username, String password) {
        boolean hasClientCertificate() {
            return (certData != null || certFile != null) && (keyData != null || keyFile != null);
        }

        String keyAlgorithm() {
            return keyData == null && keyFile == null ? null : Config.getKeyAlgorithm(keyData != null ? null : keyFile, keyData);
        }

        /** fabric8's configuration for these settings (it costs a cold JVM ~0.2 s: build it where that does not wait). */
        Config config() {
            var b = new ConfigBuilder(Config.empty()).withMasterUrl(server);
            if (insecure) b.withTrustCerts(true).withDisableHostnameVerification(true);
            if (tlsServerName != null) b.withTlsServerName(tlsServerName);
            if (caData != null) b.withCaCertData(caData);
            else if (caFile != null) b.withCaCertFile(caFile);
            if (namespace != null) b.withNamespace(namespace);
            if (certData != null) b.withClientCertData(certData);
            else if (certFile != null) b.withClientCertFile(certFile);
            if (keyData != null) b.withClientKeyData(keyData);
            else if (keyFile != null) b.withClientKeyFile(keyFile);
            if (keyData != null || keyFile != null) b.withClientKeyAlgo(keyAlgorithm());
            // fabric8 keeps a kubeconfig's token apart from one set by code
            if (token != null) b.withAutoOAuthToken(token);
            if (username != null) b.withUsername(username);
            if (password != null) b.withPassword(password);
            return b.build();
        }
    }

    /**
     * The settings of {@code context} (null: the current one) in {@code file}, or null when fabric8 must read it.
     *
     * @throws dev.kscope.core.KscopeException when the context is not in the file (bad input)
     */
    static Settings read(Path file, String context) throws IOException {
        Object root;
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            root = JsonTree.read(parser);
        }
        if (!(root instanceof Map)) return null;
        var name = context != null ? context : text(at(root, "current-context"));
        var ctx = at(named(root, "contexts", name), "context");
        if (ctx == null) {
            if (context == null) return null; // no usable current context: fabric8's answer (and error) for it
            var known = array(at(root, "contexts")).stream().map(c -> String.valueOf(at(c, "name"))).toList();
            throw KubernetesClients.contextNotFound(context, file, known);
        }
        var cluster = at(named(root, "clusters", text(at(ctx, "cluster"))), "cluster");
        var user = at(named(root, "users", text(at(ctx, "user"))), "user");
        if (text(at(cluster, "server")) == null || at(cluster, "proxy-url") != null
                || PROXY_VARIABLES.stream().anyMatch(v -> System.getenv(v) != null)) return null;
        for (var delegated : List.of("exec", "auth-provider", "as", "as-groups", "as-uid", "as-user-extra")) {
            if (at(user, delegated) != null) return null;
        }
        var dir = file.toAbsolutePath().getParent();
        var insecure = at(cluster, "insecure-skip-tls-verify");
        // fabric8 8.0 ignores tokenFile; kubectl sends its content
        var token = text(at(user, "token")) != null ? text(at(user, "token"))
                : text(at(user, "tokenFile")) != null ? Files.readString(Path.of(path(dir, at(user, "tokenFile")))).trim() : null;
        return new Settings(text(at(cluster, "server")), Boolean.TRUE.equals(insecure) || "true".equals(insecure), text(at(cluster, "tls-server-name")),
                text(at(cluster, "certificate-authority-data")), path(dir, at(cluster, "certificate-authority")), text(at(ctx, "namespace")),
                text(at(user, "client-certificate-data")), path(dir, at(user, "client-certificate")),
                text(at(user, "client-key-data")), path(dir, at(user, "client-key")), token,
                at(user, "username") == null ? null : String.valueOf(at(user, "username")),
                at(user, "password") == null ? null : String.valueOf(at(user, "password")));
    }

    /** The entry called {@code name} in the list {@code list} ("contexts", "clusters", "users"), or null. */
    private static Object named(Object root, String list, String name) {
        for (var entry : array(at(root, list))) if (name != null && name.equals(text(at(entry, "name")))) return entry;
        return null;
    }

    /** Relative paths in a kubeconfig are relative to its directory, as kubectl reads them. */
    private static String path(Path dir, Object value) {
        return value == null ? null : dir.resolve(String.valueOf(value)).toString();
    }
}
