package dev.kscope.containers.kubernetes;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

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

    /**
     * The configuration of {@code context} (null: the current one) in {@code file}, built when the supplier is asked
     * (fabric8's Config and its builder cost a cold JVM ~0.2 s), or null when fabric8 must read the file.
     *
     * @throws dev.kscope.core.KscopeException when the context is not in the file (bad input)
     */
    static Supplier<Config> read(Path file, String context) throws IOException {
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
        return () -> config(file.toAbsolutePath().getParent(), cluster, ctx, user);
    }

    /** fabric8's configuration from a kubeconfig's cluster, context and user entries (paths relative to {@code dir}). */
    private static Config config(Path dir, Object cluster, Object ctx, Object user) {
        var b = new ConfigBuilder(Config.empty()).withMasterUrl(text(at(cluster, "server")));
        var insecure = at(cluster, "insecure-skip-tls-verify");
        if (Boolean.TRUE.equals(insecure) || "true".equals(insecure)) b.withTrustCerts(true).withDisableHostnameVerification(true);
        if (text(at(cluster, "tls-server-name")) != null) b.withTlsServerName(text(at(cluster, "tls-server-name")));
        if (text(at(cluster, "certificate-authority-data")) != null) b.withCaCertData(text(at(cluster, "certificate-authority-data")));
        else if (text(at(cluster, "certificate-authority")) != null) b.withCaCertFile(path(dir, at(cluster, "certificate-authority")));
        if (text(at(ctx, "namespace")) != null) b.withNamespace(text(at(ctx, "namespace")));
        if (text(at(user, "client-certificate-data")) != null) b.withClientCertData(text(at(user, "client-certificate-data")));
        else if (text(at(user, "client-certificate")) != null) b.withClientCertFile(path(dir, at(user, "client-certificate")));
        var keyData = text(at(user, "client-key-data"));
        var keyFile = text(at(user, "client-key")) == null ? null : path(dir, at(user, "client-key"));
        if (keyData != null) b.withClientKeyData(keyData);
        else if (keyFile != null) b.withClientKeyFile(keyFile);
        if (keyData != null || keyFile != null) b.withClientKeyAlgo(Config.getKeyAlgorithm(keyData != null ? null : keyFile, keyData));
        // fabric8 keeps a kubeconfig's token apart from one set by code; 8.0 ignores tokenFile, kubectl sends its content
        if (text(at(user, "token")) != null) b.withAutoOAuthToken(text(at(user, "token")));
        else if (text(at(user, "tokenFile")) != null) b.withAutoOAuthToken(readToken(Path.of(path(dir, at(user, "tokenFile")))));
        if (at(user, "username") != null) b.withUsername(String.valueOf(at(user, "username")));
        if (at(user, "password") != null) b.withPassword(String.valueOf(at(user, "password")));
        return b.build();
    }

    private static String readToken(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenFile " + file + ": " + e.getMessage(), e);
        }
    }

    /** The entry called {@code name} in the list {@code list} ("contexts", "clusters", "users"), or null. */
    private static Object named(Object root, String list, String name) {
        for (var entry : array(at(root, list))) if (name != null && name.equals(text(at(entry, "name")))) return entry;
        return null;
    }

    /** Relative paths in a kubeconfig are relative to its directory, as kubectl reads them. */
    private static String path(Path dir, Object value) {
        return dir.resolve(String.valueOf(value)).toString();
    }
}
