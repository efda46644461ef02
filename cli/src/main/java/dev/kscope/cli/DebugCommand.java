package dev.kscope.cli;

import dev.kscope.core.KscopeException;
import dev.kscope.kube.debug.CustomProfile;
import dev.kscope.kube.debug.DebugConfig;
import dev.kscope.kube.debug.DebugOptions;
import dev.kscope.kube.debug.DebugPlanner;
import dev.kscope.kube.debug.DebugSession;
import dev.kscope.kube.debug.DebugTarget;
import dev.kscope.kube.debug.DetachKeys;
import dev.kscope.kube.debug.KeepFlags;
import dev.kscope.kube.debug.KubeConnection;
import dev.kscope.kube.debug.Profile;
import dev.kscope.kube.debug.Terminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "debug",
        description = {
                "Debug a pod with an ephemeral container, a copy of the pod, or a node with a privileged pod (kubectl debug's flags).",
                "",
                "Without --image, the debug container runs the configured default image (debug.image in ~/.config/kscope/config.yaml,",
                "else " + DebugConfig.BUILTIN_IMAGE + "). Pod copies and node pods are deleted when the session ends, unless --keep.",
                "Ephemeral containers cannot be removed from a pod: the shell's exit ends the container, a detach leaves it running.",
        },
        footer = {
                "",
                "Examples:",
                "  # Shell in a new ephemeral container of pod web, seeing the app container's processes",
                "  kscope debug web -it --target app",
                "",
                "  # The same with tcpdump rights, in namespace shop of context prod",
                "  kscope debug web -it --profile netadmin -n shop --context prod -- tcpdump -ni any port 80",
                "",
                "  # A copy of web with all images replaced and a shared process namespace, removed on exit",
                "  kscope debug web -it --copy-to web-debug --set-image '*=busybox:1.36' --share-processes --container app -- sh",
                "",
                "  # A shell on node worker-1 with the host's root at /host",
                "  kscope debug node/worker-1 -it",
                "",
                "  # Show the exact patch that would be sent, without sending it",
                "  kscope debug web --profile restricted --dry-run=client -o yaml",
                "",
                "  # As a kubectl plugin",
                "  kubectl kscope debug web -it",
        },
        mixinStandardHelpOptions = true)
public final class DebugCommand implements Callable<Integer> {

    /** The process environment; tests replace it to check KUBECONFIG handling. */
    static Map<String, String> environment = System.getenv();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "POD, pod/POD or node/NODE.")
    String target;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "After --: the command (or with --arguments-only, the args) of the debug container.")
    List<String> command = new ArrayList<>();

    @Option(names = "--image", description = "Debug container image (default: debug.image from the config file, else " + DebugConfig.BUILTIN_IMAGE + ").")
    String image;

    @Option(names = {"-c", "--container"}, description = "Name of the debug container (with --copy-to: an existing container to change).")
    String container;

    @Option(names = "--target", description = "Ephemeral containers: share the process namespace of this container.")
    String targetContainer;

    @Option(names = "--env", split = ",", paramLabel = "K=V", description = "Environment variables of the debug container (repeatable, or K=V,K2=V2).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-i", "--stdin"}, description = "Keep stdin open on the debug container; attaches unless --attach=false.")
    boolean stdin;

    @Option(names = {"-t", "--tty"}, description = "Allocate a TTY for the debug container (needs -i).")
    boolean tty;

    @Option(names = "--attach", arity = "0..1", fallbackValue = "true", description = "Wait for the container to run and attach (default: true with -i).")
    Boolean attach;

    @Option(names = "--arguments-only", description = "Pass the words after -- as Args instead of Command.")
    boolean argsOnly;

    @Option(names = {"-q", "--quiet"}, description = "Print no informational messages.")
    boolean quiet;

    @Option(names = "--profile", paramLabel = "PROFILE",
            description = "general (default), baseline, restricted, netadmin, sysadmin, legacy, or auto (picks general, baseline or restricted from the namespace's pod-security.kubernetes.io/enforce label).")
    String profile;

    @Option(names = "--custom", paramLabel = "FILE", description = "JSON or YAML partial container spec merged into the debug container.")
    Path custom;

    @Option(names = "--image-pull-policy", description = "Always, IfNotPresent or Never (default: the server's).")
    String imagePullPolicy;

    @Option(names = "--copy-to", paramLabel = "NAME", description = "Debug a copy of the pod with this name instead of the pod itself.")
    String copyTo;

    @Option(names = "--replace", description = "With --copy-to: delete the original pod once the copy runs (implies --keep).")
    boolean replace;

    @Option(names = "--same-node", description = "With --copy-to: schedule the copy on the original's node.")
    boolean sameNode;

    @Option(names = "--set-image", split = ",", paramLabel = "CTR=IMAGE", description = "With --copy-to: change container images; * means all (e.g. app=app:debug,*=busybox).")
    Map<String, String> setImages = new LinkedHashMap<>();

    @Option(names = "--share-processes", arity = "0..1", fallbackValue = "true", description = "With --copy-to: share one process namespace between the copy's containers.")
    Boolean shareProcesses;

    @Option(names = "--keep-labels", description = "Keep the original pod's labels on the copy.")
    boolean keepLabels;
    @Option(names = "--keep-annotations", description = "Keep the original pod's annotations on the copy.")
    boolean keepAnnotations;
    @Option(names = "--keep-liveness", description = "Keep liveness probes in the copy.")
    boolean keepLiveness;
    @Option(names = "--keep-readiness", description = "Keep readiness probes in the copy.")
    boolean keepReadiness;
    @Option(names = "--keep-startup", description = "Keep startup probes in the copy.")
    boolean keepStartup;
    @Option(names = "--keep-init-containers", arity = "0..1", fallbackValue = "true", defaultValue = "true", description = "Run the init containers in the copy (default: true).")
    boolean keepInitContainers;

    @Option(names = "--keep", description = "Do not delete the pod copy or node pod when the session ends.")
    boolean keep;

    @Option(names = "--dry-run", paramLabel = "none|client", defaultValue = "none", description = "client: print what would be sent, send nothing (reads the target only).")
    String dryRun;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json", description = "With --dry-run=client: the format (default yaml).")
    String output;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "0", description = "Give up waiting for the container after this long, e.g. 2m, 30s (default: wait, like kubectl).")
    String timeout;

    @Option(names = "--detach-keys", defaultValue = DetachKeys.DEFAULT, description = "Keys that detach and leave the container running (default ${DEFAULT-VALUE}; none disables).")
    String detachKeys;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
    String kubeconfig;

    @Option(names = "--context", description = "Kubeconfig context to use.")
    String context;

    @Option(names = {"-n", "--namespace"}, description = "Namespace of the pod (of the node debug pod); default: the context's.")
    String namespace;

    @Option(names = "--config", paramLabel = "FILE", description = "kscope config file (default: $XDG_CONFIG_HOME/kscope/config.yaml or ~/.config/kscope/config.yaml).")
    Path config;

    @Option(names = "--debug", hidden = true, description = "Print stack traces.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        if (!command.isEmpty() && !spec.commandLine().getParseResult().originalArgs().contains("--")) {
            throw new KscopeException("unexpected argument(s) " + command + " after " + target + " (put the debug container's command after --, e.g. kscope debug "
                    + target + " -it -- sh)");
        }
        var cfg = DebugConfig.load(config != null ? config : DebugConfig.defaultFile(environment));
        var o = new DebugOptions();
        o.target = DebugTarget.parse(target);
        o.image = image;
        o.defaultImage = cfg.image();
        o.container = container;
        o.targetContainer = targetContainer;
        o.env = env;
        o.args = command;
        o.argsOnly = argsOnly;
        o.stdin = stdin;
        o.tty = tty;
        o.attach = attach;
        o.quiet = quiet;
        o.profile = profile != null ? Profile.parse(profile) : cfg.profile();
        o.custom = custom != null ? CustomProfile.read(custom) : null;
        o.imagePullPolicy = imagePullPolicy;
        o.copyTo = copyTo;
        o.replace = replace;
        o.sameNode = sameNode;
        o.setImages = setImages;
        o.shareProcesses = shareProcesses;
        o.keepFlags = new KeepFlags(keepLabels, keepAnnotations, keepLiveness, keepReadiness, keepStartup, keepInitContainers);
        o.keep = keep;

        var format = switch (dryRun.toLowerCase(Locale.ROOT)) {
            case "none", "false" -> {
                if (output != null) throw new KscopeException("-o/--output only works with --dry-run=client (add --dry-run=client to print instead of sending)");
                yield DebugSession.Output.NONE;
            }
            case "client", "true" -> switch (output == null ? "yaml" : output.toLowerCase(Locale.ROOT)) {
                case "yaml" -> DebugSession.Output.YAML;
                case "json" -> DebugSession.Output.JSON;
                default -> throw new KscopeException("unsupported output format '" + output + "' (use -o yaml or -o json)");
            };
            case "server" -> throw new KscopeException("--dry-run=server is not supported by debug (use --dry-run=client)");
            default -> throw new KscopeException("invalid --dry-run value '" + dryRun + "' (use none or client)");
        };
        if (format != DebugSession.Output.NONE && (attach != null && attach)) {
            throw new KscopeException("--attach cannot be used with --dry-run=client (nothing is created to attach to)");
        }
        if (format != DebugSession.Output.NONE) o.attach = false;
        var keys = DetachKeys.parse(detachKeys);
        var wait = dev.kscope.core.Units.duration(timeout, "--timeout");
        o.validate(); // flag errors before touching the cluster
        // fabric8 logs through SLF4J; without a provider SLF4J prints a three-line warning on every run.
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");

        var interrupt = Signals.interruptExits(); // kill -INT cleans up a background kscope debug too
        try (var client = KubeConnection.connect(kubeconfig, context, namespace, environment)) {
            var io = new DebugSession.Io(System.in, System.out, System.err, tty ? Terminal.system() : Terminal.NONE);
            return new DebugSession(client, o, io, DebugPlanner::randomSuffix)
                    .timeout(wait)
                    .detachKeys(keys)
                    .dryRun(format)
                    .run();
        } finally {
            Signals.restore("INT", interrupt);
        }
    }
}
