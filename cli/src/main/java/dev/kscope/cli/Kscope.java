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
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code, so tests can call it in-process. */
    public static int execute(String... args) {
        var debug = java.util.Arrays.asList(args).contains("--debug");
        if (args.length > 0 && args[0].equals("trace")) dev.kscope.core.bpf.Environment.warmUpInBackground();
        // picocli looks for Groovy's Closure class at start-up, opening every jar on the class path to not find it
        System.setProperty("picocli.disable.closures", "true");
        var cmd = new CommandLine(new Kscope());
        // picocli reflects over every registered command up front: register only the one asked for (all for help)
        var first = args.length > 0 ? args[0] : "";
        var asked = COMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(first)).toList();
        (asked.isEmpty() ? COMMANDS : asked).forEach(cmd::addSubcommand);
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
