package dev.kscope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real CLI in a JVM of its own, as users do, and collects exit code, stdout and stderr. */
record KscopeProcess(int exitCode, String stdout, String stderr) {

    private static final Path STATE_DIR = stateDir();

    private static Path stateDir() {
        try {
            var dir = java.nio.file.Files.createTempDirectory("kscope-test-state-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ProcessBuilder builder(List<String> prefix, Map<String, String> env, String... args) {
        var cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Kscope.class.getName());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd);
        pb.environment().put("KSCOPE_STATE_DIR", STATE_DIR.toString()); // live traffic's default history: not the machine's
        pb.environment().putAll(env);
        return pb;
    }

    static KscopeProcess run(String... args) throws IOException, InterruptedException {
        return run(List.of(), Map.of(), args);
    }

    static KscopeProcess run(List<String> prefix, Map<String, String> env, String... args) throws IOException, InterruptedException {
        var p = builder(prefix, env, args).start();
        p.getOutputStream().close();
        var stdout = new StringBuilder();
        var reader = Thread.ofPlatform().start(() -> {
            try {
                stdout.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
            }
        });
        var stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kscope did not finish: " + String.join(" ", args));
        }
        reader.join();
        return new KscopeProcess(p.exitValue(), stdout.toString(), stderr);
    }
}
