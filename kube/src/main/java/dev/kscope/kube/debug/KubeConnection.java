package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;
import dev.kscope.containers.kubernetes.KubernetesClients;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.File;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Connects to the cluster the way kubectl does: {@code --kubeconfig}, else {@code KUBECONFIG}
 * (a path list), else {@code ~/.kube/config}, else the in-cluster service account; {@code --context}
 * picks the context and {@code -n} overrides its namespace. Also turns client failures into one-line errors.
 */
public final class KubeConnection {
    private KubeConnection() {
    }

    public static KubernetesClient connect(String kubeconfig, String context, String namespace, Map<String, String> env) {
        var files = kubeconfigFiles(kubeconfig, env);
        var inCluster = env.containsKey("KUBERNETES_SERVICE_HOST");
        if (files.length == 0 && !inCluster) {
            throw new KscopeException("no kubeconfig found: none at ~/.kube/config, KUBECONFIG unset and not running in a pod"
                    + " (point KUBECONFIG or --kubeconfig at your cluster's kubeconfig)");
        }
        var config = files.length == 1 ? staticConfig(Path.of(files[0]), context) : null;
        if (config != null) return client(config, namespace);
        var previous = System.getProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        try {
            if (files.length > 0) System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, String.join(File.pathSeparator, files));
            config = Config.autoConfigure(context);
        } catch (KubernetesClientException e) {
            throw new KscopeException("cannot load kubeconfig " + String.join(File.pathSeparator, files) + ": " + e.getMessage()
                    + " (check the file with 'kubectl config view')", e);
        } finally {
            if (previous == null) System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
            else System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, previous);
        }
        if (context != null && (config.getCurrentContext() == null || !context.equals(config.getCurrentContext().getName()))) {
            var known = config.getContexts() == null ? "" : String.join(", ", config.getContexts().stream().map(c -> c.getName()).toList());
            throw new KscopeException("context \"" + context + "\" not found in kubeconfig (use one of: " + known + ")");
        }
        return client(config, namespace);
    }

    /** One kubeconfig with its credentials written in it: read without fabric8's kubeconfig reader (~1.3 CPU-s cold). */
    private static Config staticConfig(Path file, String context) {
        try {
            return KubernetesClients.staticConfig(file, context).orElse(null);
        } catch (KscopeException badContext) {
            throw new KscopeException(badContext.getMessage(), null); // a bad --context: exit 1, as every bad input of debug
        }
    }

    private static KubernetesClient client(Config config, String namespace) {
        var builder = new ConfigBuilder(config)
                // A CLI should fail fast: kubectl does not retry a refused connection ten times either.
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(5_000);
        if (namespace != null && !namespace.isEmpty()) builder.withNamespace(namespace);
        var built = builder.build();
        if (built.getNamespace() == null) built.setNamespace("default");
        return new KubernetesClientBuilder().withConfig(built).withHttpClientFactory(httpClients()).build();
    }

    static String[] kubeconfigFiles(String flag, Map<String, String> env) {
        if (flag != null && !flag.isEmpty()) {
            if (!Files.isRegularFile(Path.of(flag))) {
                throw new KscopeException("kubeconfig " + flag + " does not exist (pass an existing file to --kubeconfig)");
            }
            return new String[]{flag};
        }
        var fromEnv = env.get("KUBECONFIG");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Arrays.stream(fromEnv.split(File.pathSeparator)).filter(f -> !f.isEmpty() && Files.isRegularFile(Path.of(f))).toArray(String[]::new);
        }
        var home = Path.of(System.getProperty("user.home"), ".kube", "config");
        return Files.isRegularFile(home) ? new String[]{home.toString()} : new String[0];
    }

    /**
     * One line for a failed API call: {@code action} is what kscope tried ("get pod web in namespace shop").
     * Admission rejections are told apart from RBAC, since the fix differs.
     */
    public static KscopeException explain(KubernetesClientException e, String action, String masterUrl) {
        var status = e.getStatus();
        var message = status != null && status.getMessage() != null ? status.getMessage() : rootMessage(e);
        var code = e.getCode();
        if (code == 0 || status == null) {
            var root = root(e);
            if (root instanceof ConnectException || root instanceof UnknownHostException || root instanceof TimeoutException
                    || root instanceof java.net.SocketTimeoutException || root instanceof java.nio.channels.ClosedChannelException) {
                return new KscopeException("cannot " + action + ": the API server at " + masterUrl + " is unreachable (" + rootMessage(e)
                        + "; check that the cluster is up and that --context/kubeconfig point at it)", e);
            }
        }
        return switch (code) {
            case 401 -> new KscopeException("cannot " + action + ": unauthorized: " + message + " (log in again or refresh the credentials in your kubeconfig)", e);
            case 403 -> isAdmission(message)
                    ? new KscopeException("cannot " + action + ": admission denied: " + message
                    + " (choose a profile the namespace allows, e.g. --profile auto, baseline or restricted)", e)
                    : new KscopeException("cannot " + action + ": forbidden by RBAC: " + message
                    + " (ask a cluster admin to grant you that verb on that resource, check with 'kubectl auth can-i')", e);
            case 404 -> new KscopeException("cannot " + action + ": not found: " + message, e);
            case 400, 409, 422 -> new KscopeException("cannot " + action + ": rejected by the API server: " + message
                    + (isAdmission(message) ? " (choose a profile the namespace allows, e.g. --profile auto, baseline or restricted)" : " (fix the flags named above)"), e);
            default -> new KscopeException("cannot " + action + ": " + (code == 0 ? "" : "HTTP " + code + ": ") + message
                    + " (retry, or run with --debug for details)", e);
        };
    }

    static boolean isAdmission(String message) {
        return message != null && (message.contains("violates PodSecurity") || message.contains("admission webhook")
                || message.contains("denied the request") || message.contains("ValidatingAdmissionPolicy"));
    }

    private static Throwable root(Throwable t) {
        var r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r;
    }

    private static String rootMessage(Throwable t) {
        var r = root(t);
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    }

    /**
     * Vert.x, not the JDK's HttpClient (which fabric8 prefers when both are present): the JDK's WebSocket refuses a
     * send while the previous one is under way, and fabric8 then ends the attach ("could not send") when a keystroke
     * and a window resize meet. Vert.x queues writes.
     */
    public static io.fabric8.kubernetes.client.http.HttpClient.Factory httpClients() {
        return new io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory();
    }
}
