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
        for (var command : Kscope.COMMANDS) {
            Kscope.execute(command.getAnnotation(picocli.CommandLine.Command.class).name(), "--help");
        }
        System.exit(0);
    }
}
