package dev.kscope.containers.kubernetes;

import io.fabric8.kubernetes.client.Config;

import java.util.function.Supplier;

/**
 * How to reach a kubeconfig context's API server: fabric8's {@link Config}, for a client that watches, and plain GET
 * requests, for listing once. Building either is left to whoever uses it, on whichever thread suits it.
 */
public final class ClusterAccess {
    private final Supplier<Config> config;
    /** The kubeconfig's own settings, or null when only fabric8 can use the context (credential plugins…). */
    private final StaticKubeconfig.Settings settings;

    ClusterAccess(Supplier<Config> config, StaticKubeconfig.Settings settings) {
        this.config = config;
        this.settings = settings;
    }

    /** Access through a configuration fabric8 has already made (e.g. a test's mock server client's). */
    public static ClusterAccess of(Config config) {
        return new ClusterAccess(() -> config, null);
    }

    /** fabric8's configuration; throws (unchecked) what fabric8 makes of unusable settings. */
    public Config config() {
        return config.get();
    }

    /** GET requests: the JDK's HttpURLConnection for credentials written in the kubeconfig, fabric8's client otherwise. */
    ApiGets gets() throws Exception {
        return settings != null ? ApiGets.of(settings) : ApiGets.of(config());
    }
}
