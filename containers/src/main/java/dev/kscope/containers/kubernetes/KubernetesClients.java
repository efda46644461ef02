package dev.kscope.containers.kubernetes;

import dev.kscope.containers.ContainerCollectionOptions.KubernetesMode;
import dev.kscope.core.KscopeException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A client for the API server that enriches what kscope sees, when there is one: {@code --kubeconfig}, else
 * {@code $KUBECONFIG} (its first file), else {@code ~/.kube/config}, else the in-cluster service account. Short
 * timeouts and no retries, so a dead API server costs a few seconds at most. A missing or unreadable
 * configuration is a warning (what is off, and how to turn it on), never an error: enrichment is optional.
 */
public final class KubernetesClients {
    private KubernetesClients() {
    }

    /**
     * @param mode      OFF: no client; AUTO: none, silently, when there is no configuration; ON: warn then
     * @param context   a kubeconfig context, or null for the current one; one that does not exist is bad input (thrown)
     * @param whatIsOff the consequence named in warnings, e.g. "Kubernetes owner and node enrichment is off"
     */
    public static Optional<KubernetesClient> open(KubernetesMode mode, Path kubeconfig, String context, String whatIsOff,
                                                  Consumer<String> warnings) {
        return access(mode, kubeconfig, context, whatIsOff, warnings).flatMap(access -> {
            try {
                return Optional.of(new KubernetesClientBuilder().withConfig(access.config()).build());
            } catch (RuntimeException e) {
                warnings.accept("cannot use kubeconfig " + (kubeconfig != null ? kubeconfig : defaultKubeconfig()) + ": " + rootMessage(e)
                        + " (" + whatIsOff + ")");
                return Optional.empty();
            }
        });
    }

    /**
     * What {@link #open} would connect with, without a client. The kubeconfig is read and its context checked now (a
     * bad --context is an error right away); fabric8's configuration or an HTTP connection are made by whoever uses
     * it, e.g. on a background thread (fabric8's configuration alone costs a cold JVM a few hundred ms).
     */
    public static Optional<ClusterAccess> access(KubernetesMode mode, Path kubeconfig, String context, String whatIsOff,
                                                 Consumer<String> warnings) {
        if (mode == KubernetesMode.OFF) return Optional.empty();
        var file = kubeconfig != null ? kubeconfig : defaultKubeconfig();
        var inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null
                && Files.exists(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
        if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
            warnings.accept("cannot read kubeconfig " + kubeconfig + ": " + whatIsOff + " (pass a readable --kubeconfig)");
            return Optional.empty();
        }
        if ((file == null || !Files.isReadable(file)) && !inCluster) {
            if (mode == KubernetesMode.ON) {
                warnings.accept("no kubeconfig ($KUBECONFIG, ~/.kube/config) and not inside a cluster: " + whatIsOff
                        + " (pass --kubeconfig FILE, or --no-kubernetes to silence this)");
            }
            return Optional.empty();
        }
        StaticKubeconfig.Settings settings;
        Supplier<Config> read;
        try {
            var fromFile = file != null && Files.isReadable(file);
            settings = fromFile ? StaticKubeconfig.read(file, context) : null;
            if (settings != null) {
                read = settings::config;
            } else {
                var config = fromFile ? Config.fromKubeconfig(context, file.toFile()) : Config.autoConfigure(context);
                checkContext(config, context, file);
                read = () -> config;
            }
        } catch (KscopeException e) {
            throw e;
        } catch (RuntimeException | java.io.IOException e) {
            warnings.accept("cannot use kubeconfig " + file + ": " + e.getMessage() + " (" + whatIsOff + ")");
            return Optional.empty();
        }
        return Optional.of(new ClusterAccess(() -> {
            var config = read.get();
            config.setConnectionTimeout(2000);
            config.setRequestTimeout(3000);
            config.setRequestRetryBackoffLimit(0); // no retry storm against an API server that is down
            return config;
        }, settings));
    }

    private static void checkContext(Config config, String context, Path file) {
        if (context != null && (config.getCurrentContext() == null || !context.equals(config.getCurrentContext().getName()))) {
            var known = config.getContexts() == null ? List.<String>of() : config.getContexts().stream().map(c -> c.getName()).toList();
            throw contextNotFound(context, file, known);
        }
    }

    /**
     * fabric8's configuration for {@code context} (null: the current one) of {@code file} when its credentials are
     * written in it (token, certificate, user and password), read without fabric8's kubeconfig reader (which loads the
     * whole Kubernetes model first: ~1.3 CPU-s in a cold JVM); empty when fabric8 must read it (exec plugins,
     * impersonation, proxies) or the file cannot be read as YAML.
     *
     * @throws KscopeException when the context is not in the file
     */
    public static Optional<Config> staticConfig(Path file, String context) {
        try {
            var settings = StaticKubeconfig.read(file, context);
            return settings == null ? Optional.empty() : Optional.of(settings.config());
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof KscopeException k) throw k;
            return Optional.empty(); // fabric8's reader gives the error for a file that is not a kubeconfig
        }
    }

    static KscopeException contextNotFound(String context, Path file, List<String> known) {
        return new KscopeException("context \"" + context + "\" not found in kubeconfig " + file + " (use one of: " + String.join(", ", known) + ")", null, 2);
    }

    private static Path defaultKubeconfig() {
        var env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) return Path.of(env.split(":")[0]);
        return Path.of(System.getProperty("user.home"), ".kube", "config");
    }

    static Throwable root(Throwable e) {
        var t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    static String rootMessage(Throwable e) {
        var t = root(e);
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
