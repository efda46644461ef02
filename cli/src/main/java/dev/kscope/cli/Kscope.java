package dev.kscope.cli;

import dev.kscope.core.KscopeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "kscope",
        mixinStandardHelpOptions = true,
        versionProvider = Kscope.Version.class,
        description = "Debug containers and Kubernetes workloads: eBPF tracing, packet capture, API traffic, debug containers.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Kscope implements Runnable {
    /** Every top-level command, in the order help lists them. */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(
            TraceCommand.class,
            PsCommand.class,
            CaptureCommand.class,
            TrafficCommand.class,
            DebugCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        var code = execute(args);
        // System.exit first asks the JDK's logging for a System.Logger (Runtime.exit is logged since JDK 21), whose
        // ServiceLoader lookup opens every jar on the class path (~50 ms for kscope's 100): a run that succeeded and
        // left no threads running ends by returning, which runs the shutdown hooks just the same
        if (code == 0 && onlyDaemonThreadsLeft()) return;
        System.exit(code);
    }

    private static boolean onlyDaemonThreadsLeft() {
        var main = Thread.currentThread();
        return Thread.getAllStackTraces().keySet().stream().allMatch(t -> t == main || t.isDaemon() || !t.isAlive());
    }

    /** Runs the CLI and returns the exit code, so tests can call it in-process. */
    public static int execute(String... args) {
        var debug = java.util.Arrays.asList(args).contains("--debug");
        if (args.length > 0 && args[0].equals("trace")) dev.kscope.core.bpf.Environment.warmUpInBackground();
        // picocli looks for Groovy's Closure class at start-up, opening every jar on the class path to not find it
        System.setProperty("picocli.disable.closures", "true");
        var cmd = new CommandLine(new Kscope());
        commandsFor(args).forEach(cmd::addSubcommand);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            var kex = findKscopeException(ex);
            if (debug) ex.printStackTrace(System.err);
            if (kex != null) {
                System.err.println("kscope: " + kex.getMessage());
                return kex.exitCode();
            }
            System.err.println("kscope: " + ex + (debug ? "" : " (run with --debug for the stack trace)"));
            return 1;
        });
        cmd.setParameterExceptionHandler((ex, a) -> {
            var c = ex.getCommandLine();
            System.err.println("kscope: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        return cmd.execute(args);
    }

    /**
     * picocli reflects over every registered command up front: register only the one asked for (`kscope help X`
     * asks for X), none for --version, and all where the list is shown (no command, --help, a mistyped command).
     */
    static java.util.List<Class<?>> commandsFor(String... args) {
        var first = args.length > 0 ? args[0] : "";
        if (first.equals("--version") || first.equals("-V")) return java.util.List.of();
        var name = first.equals("help") && args.length > 1 ? args[1] : first;
        var asked = COMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(name)).toList();
        return asked.isEmpty() ? COMMANDS : asked;
    }

    private static KscopeException findKscopeException(Throwable t) {
        for (var e = t; e != null; e = e.getCause()) {
            if (e instanceof KscopeException k) return k;
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var v = Kscope.class.getPackage().getImplementationVersion();
            return new String[]{"kscope " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
