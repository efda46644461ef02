package dev.kscope.cli;

import dev.kscope.core.output.OutputFormat;
import picocli.CommandLine.Option;

/** {@code -o} as every command that prints rows of columns takes it (the formats are {@link OutputFormat}'s). */
final class OutputFlag {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "columns",
            description = "Output: columns (default), wide, json (one object per line), yaml, columns=NAME,NAME "
                    + "(chosen columns), columns=+NAME,-NAME (edits of the default set) or custom-columns=HEADER:.path,… "
                    + "(kubectl's; the path as in the JSON, e.g. POD:.k8s.pod,APP:.k8s.labels.app).")
    String output;

    OutputFormat format() {
        return OutputFormat.parse(output);
    }
}
