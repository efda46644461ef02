package dev.kscope.cli;

/**
 * The training run behind the JDK's AOT cache (install.sh): one JVM runs what users start most, so that the cache
 * holds their classes, linked, and the JIT's profile of the event path. Not a user command.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) {
        Kscope.execute("trace", "exec", "--timeout", "4s");           // install.sh runs an exec storm meanwhile
        Kscope.execute("trace", "exec", "--timeout", "1s", "-o", "json");
        Kscope.execute("ps", "-o", "wide");
        trainTrafficAnalysis();
        trainCapture();
        // what prints help or the version: the usage, every command's help, the error of a mistyped command
        Kscope.execute();
        Kscope.execute("--version");
        Kscope.execute("tarce");
        for (var command : Kscope.COMMANDS) {
            Kscope.execute(command.getAnnotation(picocli.CommandLine.Command.class).name(), "--help");
        }
        System.exit(0);
    }

    /** One-shot `traffic -r` runs are dominated by start-up: give the cache the analyzer's classes and profile. */
    private static void trainTrafficAnalysis() {
        try {
            var pcap = java.nio.file.Files.createTempFile("kscope-aot-", ".pcap");
            try {
                dev.kscope.traffic.pcap.SyntheticHttpCapture.write(pcap, 200, 20);
                Kscope.execute("traffic", "-r", pcap.toString(), "-o", "json");
                Kscope.execute("traffic", "-r", pcap.toString());
                trainClusterNames(pcap);
            } finally {
                java.nio.file.Files.deleteIfExists(pcap);
            }
        } catch (java.io.IOException e) {
            System.err.println("AOT training: traffic analysis skipped: " + e.getMessage());
        }
    }

    /**
     * `traffic -r` with a kubeconfig (kubeconfig reader, fabric8's HTTP client, the JSON lists), against a stand-in
     * API server on loopback whose every list holds one service.
     */
    private static void trainClusterNames(java.nio.file.Path pcap) throws java.io.IOException {
        var api = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", exchange -> {
            var body = """
                    {"kind":"List","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"aot","namespace":"default"},
                     "spec":{"clusterIP":"10.96.0.1","clusterIPs":["10.96.0.1"],"ports":[{"name":"https","port":443}]}}]}""".getBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        api.start();
        var kubeconfig = java.nio.file.Files.createTempFile("kscope-aot-", ".kubeconfig");
        try {
            java.nio.file.Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    current-context: aot
                    clusters: [{name: aot, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: aot, user: {token: aot}}]
                    contexts: [{name: aot, context: {cluster: aot, user: aot}}]
                    """.formatted(api.getAddress().getPort()));
            Kscope.execute("traffic", "-r", pcap.toString(), "-o", "json", "--kubeconfig", kubeconfig.toString());
        } finally {
            api.stop(0);
            java.nio.file.Files.deleteIfExists(kubeconfig);
        }
    }

    /** A short capture on loopback: the packet ring's set-up and the pcapng writer (needs root, as install.sh is). */
    private static void trainCapture() {
        try {
            var file = java.nio.file.Files.createTempFile("kscope-aot-", ".pcapng");
            try {
                Kscope.execute("capture", "-i", "lo", "-B", "8192", "--duration", "300ms", "-w", file.toString());
                Kscope.execute("capture", "-d", "tcp port 80");
            } finally {
                java.nio.file.Files.deleteIfExists(file);
            }
        } catch (java.io.IOException e) {
            System.err.println("AOT training: capture skipped: " + e.getMessage());
        }
    }
}
