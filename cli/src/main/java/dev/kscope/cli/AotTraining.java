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
            } finally {
                java.nio.file.Files.deleteIfExists(pcap);
            }
        } catch (java.io.IOException e) {
            System.err.println("AOT training: traffic analysis skipped: " + e.getMessage());
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
