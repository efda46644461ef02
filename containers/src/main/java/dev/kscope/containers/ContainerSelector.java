package dev.kscope.containers;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which containers to look at, with kubectl's flags: {@code -n/--namespace}, {@code -A/--all-namespaces} (the default
 * here: no namespace means all), {@code -p/--podname}, {@code -c/--containername}, {@code -l/--selector} and
 * {@code --host} (only processes outside containers, so no container matches).
 *
 * @param namespace     null or empty: every namespace (and containers outside Kubernetes)
 * @param podName       null or empty: any pod
 * @param containerName null or empty: any container name
 * @param labels        all must hold (pod labels merged with container labels)
 */
public record ContainerSelector(String namespace, String podName, String containerName, List<LabelRequirement> labels,
                                boolean host) {

    public ContainerSelector {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public static ContainerSelector all() {
        return new ContainerSelector(null, null, null, List.of(), false);
    }

    /** Only processes outside any container. */
    public static ContainerSelector hostOnly() {
        return new ContainerSelector(null, null, null, List.of(), true);
    }

    public static ContainerSelector pod(String namespace, String podName) {
        return new ContainerSelector(namespace, podName, null, List.of(), false);
    }

    /** True when the selector lets every container through (no filter to install in the kernel). */
    public boolean selectsAll() {
        return !host && isBlank(namespace) && isBlank(podName) && isBlank(containerName) && labels.isEmpty();
    }

    public boolean matches(Container c) {
        if (host) return false;
        if (!isBlank(namespace) && !namespace.equals(c.namespace())) return false;
        if (!isBlank(podName) && !podName.equals(c.podName())) return false;
        if (!isBlank(containerName) && !containerName.equals(c.name())) return false;
        for (var r : labels) if (!r.matches(c)) return false;
        return true;
    }

    /** What the selector asks for, in words, for "no container matches ..." messages. */
    public String describe() {
        if (host) return "host processes";
        var parts = new ArrayList<String>();
        if (!isBlank(podName)) parts.add("pod " + podName);
        if (!isBlank(containerName)) parts.add("container " + containerName);
        if (!labels.isEmpty()) parts.add("labels " + String.join(",", labels.stream().map(LabelRequirement::toString).toList()));
        parts.add(isBlank(namespace) ? "in any namespace" : "in namespace " + namespace);
        return String.join(" ", parts);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** One term of a label selector. */
    public record LabelRequirement(String key, Operator op, Set<String> values) {
        public enum Operator { IN, NOT_IN, EXISTS, NOT_EXISTS }

        public boolean matches(Container c) {
            var v = c.labels().get(key);
            return switch (op) {
                case IN -> v != null && values.contains(v);
                case NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case NOT_EXISTS -> v == null;
            };
        }

        @Override
        public String toString() {
            return switch (op) {
                case IN -> values.size() == 1 ? key + "=" + values.iterator().next() : key + " in (" + String.join(",", values) + ")";
                case NOT_IN -> values.size() == 1 ? key + "!=" + values.iterator().next() : key + " notin (" + String.join(",", values) + ")";
                case EXISTS -> key;
                case NOT_EXISTS -> "!" + key;
            };
        }
    }

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
    private static final Pattern EQUALITY = Pattern.compile("\\s*([^=!\\s]+)\\s*(==|=|!=)\\s*(\\S*)\\s*");
    private static final Pattern SET = Pattern.compile("\\s*(\\S+)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*");

    /** Parses a kubectl label selector: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k}, {@code !k}, {@code k in (a,b)}, {@code k notin (a,b)}. */
    public static List<LabelRequirement> parseLabels(String selector) {
        var out = new ArrayList<LabelRequirement>();
        if (selector == null || selector.isBlank()) return out;
        for (var term : splitTerms(selector)) {
            var set = SET.matcher(term);
            var equality = EQUALITY.matcher(term);
            if (set.matches()) {
                var values = new java.util.LinkedHashSet<String>();
                for (var v : set.group(3).split(",")) values.add(value(v.strip(), selector));
                out.add(new LabelRequirement(key(set.group(1), selector), set.group(2).equals("in") ? LabelRequirement.Operator.IN
                        : LabelRequirement.Operator.NOT_IN, Set.copyOf(values)));
            } else if (equality.matches()) {
                out.add(new LabelRequirement(key(equality.group(1), selector), equality.group(2).equals("!=")
                        ? LabelRequirement.Operator.NOT_IN : LabelRequirement.Operator.IN, Set.of(value(equality.group(3), selector))));
            } else if (term.strip().startsWith("!")) {
                out.add(new LabelRequirement(key(term.strip().substring(1).strip(), selector), LabelRequirement.Operator.NOT_EXISTS, Set.of()));
            } else {
                out.add(new LabelRequirement(key(term.strip(), selector), LabelRequirement.Operator.EXISTS, Set.of()));
            }
        }
        return out;
    }

    private static List<String> splitTerms(String selector) {
        var terms = new ArrayList<String>();
        int depth = 0, start = 0;
        for (int i = 0; i < selector.length(); i++) {
            char ch = selector.charAt(i);
            if (ch == '(') depth++;
            else if (ch == ')') depth--;
            else if (ch == ',' && depth == 0) {
                terms.add(selector.substring(start, i));
                start = i + 1;
            }
        }
        terms.add(selector.substring(start));
        for (var t : terms) {
            if (t.isBlank()) throw invalid(selector, "empty term");
        }
        return terms;
    }

    private static String key(String k, String selector) {
        if (!KEY.matcher(k).matches()) throw invalid(selector, "bad key '" + k + "'");
        return k;
    }

    private static String value(String v, String selector) {
        if (!VALUE.matcher(v).matches()) throw invalid(selector, "bad value '" + v + "'");
        return v;
    }

    private static KscopeException invalid(String selector, String why) {
        return new KscopeException("invalid label selector '" + selector + "': " + why
                + " (use k=v, k!=v, k, !k, 'k in (a,b)', 'k notin (a,b)', comma-separated)");
    }
}
