package dev.kscope.cli;

import dev.kscope.gadgets.trace.exec.TraceExec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Trace kernel events with eBPF, each event tagged with its container, pod and namespace.",
        footer = {"", "Examples:",
                "  kscope trace exec                  # every exec on this node, until Ctrl-C",
                "  kscope trace exec -n shop -p web   # only in pod shop/web",
                "  kscope trace exec --help           # a gadget's own flags and columns"},
        subcommands = {TraceCommand.Exec.class})
final class TraceCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** `kscope trace` alone lists the gadgets. */
    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = {
                    "Trace every execve/execveat on this node, successful or failed.",
                    "",
                    "ARGS holds argv up to 8 KiB in all (on failed execs: 1 KiB per argument, 128 arguments); "
                            + "past that it ends with '…' (args_truncated in JSON). RET is 0 or the errno name (ENOENT, EACCES…).",
                    "Events are never dropped silently: lost events are reported on stderr (and in JSON) and in the summary."},
            footer = {"", "Examples:",
                    "  kscope trace exec                              # until Ctrl-C",
                    "  kscope trace exec --timeout 10s -o json        # one JSON object per exec",
                    "  kscope trace exec -o columns=pid,comm,ret,args",
                    "  kscope trace exec -o columns=+tid,-ppid        # edit the default columns",
                    "  kscope trace exec -o custom-columns=POD:.k8s.pod,PROG:.args[0]   # kubectl's, paths as in the JSON",
                    "  kscope trace exec --max-events 1 -o yaml",
                    "  kscope trace exec -n default -p web            # one pod (filtered in the kernel)",
                    "  kscope trace exec -l app=web,tier!=db          # pods by label",
                    "  kscope trace exec --host                       # only processes outside containers"})
    static final class Exec implements Callable<Integer> {
        @Mixin
        GadgetFlags flags;

        @Mixin
        ContainerFlags containers;

        @Override
        public Integer call() {
            return GadgetRunner.run(TraceExec::new, TraceExec::columns, flags, containers);
        }
    }
}
