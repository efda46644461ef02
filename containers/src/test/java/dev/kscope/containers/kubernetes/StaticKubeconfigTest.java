package dev.kscope.containers.kubernetes;

import dev.kscope.containers.ContainerCollectionOptions.KubernetesMode;
import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kubeconfigs with credentials in the file, read without fabric8's model: the same configuration as fabric8's reader gives. */
class StaticKubeconfigTest {
    @TempDir
    Path dir;

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private Path kubeconfig(String text) throws Exception {
        var file = dir.resolve("config");
        Files.writeString(file, text);
        return file;
    }

    /** What a client takes from a configuration, fabric8's reader being the oracle. */
    private static final List<Function<Config, Object>> FIELDS = List.of(Config::getMasterUrl, Config::getCaCertData, Config::getCaCertFile,
            Config::getClientCertData, Config::getClientCertFile, Config::getClientKeyData, Config::getClientKeyFile,
            c -> c.getClientKeyData() == null && c.getClientKeyFile() == null ? "no key" : c.getClientKeyAlgo(), // a default otherwise
            Config::getOauthToken, Config::getAutoOAuthToken, Config::getUsername, Config::getPassword, Config::getNamespace, Config::isTrustCerts,
            Config::isDisableHostnameVerification, Config::getTlsServerName);

    private static List<Object> fields(Config c) {
        var values = new ArrayList<>();
        for (var f : FIELDS) values.add(f.apply(c));
        return values;
    }

    @Test
    void readsWhatFabric8ReadsForEveryKindOfStaticCredential() throws Exception {
        Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Files.writeString(dir.resolve("token"), "file-token\n");
        var ecKey = base64("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
        var file = kubeconfig("""
                apiVersion: v1
                kind: Config
                current-context: data
                clusters:
                - name: with-data
                  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: %s}
                - name: with-file
                  cluster: {server: "https://api.example:443/prefix", certificate-authority: ca.crt, tls-server-name: api.internal}
                - name: insecure
                  cluster: {server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true}
                users:
                - name: cert
                  user: {client-certificate-data: %s, client-key-data: %s}
                - name: token-file
                  user: {tokenFile: token}
                - name: basic
                  user: {username: admin, password: s3cret}
                - name: token
                  user: {token: abc.def}
                contexts:
                - name: data
                  context: {cluster: with-data, user: cert, namespace: shop}
                - name: files
                  context: {cluster: with-file, user: token-file}
                - name: basic
                  context: {cluster: insecure, user: basic}
                - name: token
                  context: {cluster: insecure, user: token, namespace: kube-system}
                """.formatted(base64("ca"), base64("cert"), ecKey));
        for (var context : new String[]{null, "data", "files", "basic", "token"}) {
            var ours = StaticKubeconfig.read(file, context).config();
            assertThat(ours).as(context).isNotNull();
            var theirs = Config.fromKubeconfig(context, file.toFile());
            if ("files".equals(context)) theirs.setAutoOAuthToken("file-token"); // fabric8 8.0 ignores tokenFile; kubectl sends its content, as we do
            assertThat(fields(ours)).as(context).isEqualTo(fields(theirs));
        }
        assertThat(StaticKubeconfig.read(file, "data").config().getClientKeyAlgo()).isEqualTo("EC");
        assertThat(StaticKubeconfig.read(file, "files").config().getAutoOAuthToken()).isEqualTo("file-token");
        assertThat(StaticKubeconfig.read(file, "files").config().getCaCertFile()).isEqualTo(dir.resolve("ca.crt").toString());
    }

    @Test
    void credentialPluginsAndImpersonationAreLeftToFabric8() throws Exception {
        var file = kubeconfig("""
                apiVersion: v1
                kind: Config
                current-context: eks
                clusters:
                - name: c
                  cluster: {server: "https://10.0.0.1:6443"}
                users:
                - name: exec
                  user:
                    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}
                - name: oidc
                  user:
                    auth-provider: {name: oidc, config: {id-token: x}}
                - name: as
                  user: {token: t, as: someone}
                contexts:
                - name: eks
                  context: {cluster: c, user: exec}
                - name: oidc
                  context: {cluster: c, user: oidc}
                - name: as
                  context: {cluster: c, user: as}
                - name: no-cluster
                  context: {cluster: missing, user: as}
                """);
        for (var context : new String[]{null, "oidc", "as", "no-cluster"}) assertThat(StaticKubeconfig.read(file, context)).as(context).isNull();
    }

    @Test
    void anUnknownContextIsBadInputNamingTheKnownOnes() throws Exception {
        var file = kubeconfig("""
                apiVersion: v1
                kind: Config
                current-context: a
                clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: a, context: {cluster: c, user: u}}, {name: b, context: {cluster: c, user: u}}]
                """);
        assertThatThrownBy(() -> StaticKubeconfig.read(file, "nope")).isInstanceOf(KscopeException.class)
                .hasMessage("context \"nope\" not found in kubeconfig " + file + " (use one of: a, b)");
    }

    /** The whole way, over TLS with the token: a one-time listing (HttpURLConnection) and a fabric8 client from the same kubeconfig. */
    @Test
    void aClientFromItTalksToTheApiServer() throws Exception {
        var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        server.init();
        try (var admin = server.createClient()) {
            admin.resource(new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop").endMetadata()
                    .withNewStatus().withPhase("Running").withPodIP("10.244.5.5").endStatus().build()).create();
            var file = kubeconfig("""
                    apiVersion: v1
                    kind: Config
                    current-context: mock
                    clusters: [{name: mock, cluster: {server: "https://localhost:%d", insecure-skip-tls-verify: true}}]
                    users: [{name: dev, user: {token: secret}}]
                    contexts: [{name: mock, context: {cluster: mock, user: dev, namespace: shop}}]
                    """.formatted(server.getPort()));
            var warnings = new java.util.concurrent.CopyOnWriteArrayList<String>();
            var access = KubernetesClients.access(KubernetesMode.ON, file, null, "off", warnings::add).orElseThrow();
            try (var index = ClusterAddresses.list(access, java.time.Duration.ofSeconds(5), warnings::add)) {
                assertThat(index.lookup("10.244.5.5")).get().extracting(ClusterAddresses.Named::pod).isEqualTo("web-1");
            }
            assertThat(server.getLastRequest().getPath()).isEqualTo("/api/v1/pods?limit=500");
            assertThat(server.getLastRequest().getHeader("Authorization")).isEqualTo("Bearer secret");
            try (var client = KubernetesClients.open(KubernetesMode.ON, file, null, "off", warnings::add).orElseThrow()) {
                assertThat(client.getMasterUrl().toString()).isEqualTo("https://localhost:" + server.getPort() + "/");
                assertThat(client.pods().list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("web-1");
            }
            assertThat(warnings).isEmpty();
            assertThat(server.getLastRequest().getHeader("Authorization")).isEqualTo("Bearer secret");
        } finally {
            server.destroy();
        }
    }

    /** Settings fabric8 cannot use (a certificate file that is not there) cost the names, with one warning, not the run. */
    @Test
    void unusableSettingsAreOneWarningWhenListing() throws Exception {
        var file = kubeconfig("""
                apiVersion: v1
                kind: Config
                current-context: a
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:23304"}}]
                users: [{name: u, user: {client-certificate: missing.crt, client-key: missing.key}}]
                contexts: [{name: a, context: {cluster: c, user: u}}]
                """);
        var warnings = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var access = KubernetesClients.access(KubernetesMode.AUTO, file, null, "off", warnings::add).orElseThrow();
        try (var index = ClusterAddresses.list(access, java.time.Duration.ofSeconds(5), warnings::add)) {
            assertThat(index.lookup("10.96.0.1")).isEmpty();
        }
        assertThat(warnings).singleElement().asString().startsWith("cannot use the kubeconfig's settings (")
                .contains(dir.resolve("missing.").toString()).endsWith("service names and pods of other nodes are off (check the files the kubeconfig names)");
    }
}
