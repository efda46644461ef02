package dev.kscope.traffic.filter;

import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.kscope.core.KscopeException;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CEL expression over messages, e.g. {@code http.status >= 500 && dst.pod == "web"} or {@code dst.service == "orders"}.
 * Variables: {@link #VARIABLES}; protocol maps (http, dns, redis, ...) are empty for other protocols, and an
 * expression that fails on a message (e.g. a missing key) does not match it.
 */
public final class MessageFilter {
    /** The protocol variables; each is a map, filled for messages of that protocol. */
    public static final String VARIABLES = "proto, summary, status, error, problem, malformed, latency_ms, "
            + "request_size, response_size, src.{ip,port,pod,namespace,service,port_name,services}, dst.{...}, http.*, dns.*, redis.*, postgres.*, grpc.*, kafka.*";

    private static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
    private static final CelCompiler COMPILER;
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    static {
        var b = CelCompilerFactory.standardCelCompilerBuilder().setOptions(OPTIONS).setResultType(SimpleType.BOOL)
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS) // has(), exists(), all(), filter(), map()
                .addVar("proto", SimpleType.STRING)
                .addVar("summary", SimpleType.STRING)
                .addVar("status", SimpleType.STRING)
                .addVar("error", SimpleType.BOOL)
                .addVar("problem", SimpleType.STRING)
                .addVar("malformed", SimpleType.BOOL)
                .addVar("latency_ms", SimpleType.DOUBLE)
                .addVar("request_size", SimpleType.INT)
                .addVar("response_size", SimpleType.INT)
                .addVar("src", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addVar("dst", MapType.create(SimpleType.STRING, SimpleType.DYN));
        for (var p : Message.PROTOCOLS) b.addVar(p, MapType.create(SimpleType.STRING, SimpleType.DYN));
        COMPILER = b.build();
    }

    private final String expression;
    private final CelRuntime.Program program;

    private MessageFilter(String expression, CelRuntime.Program program) {
        this.expression = expression;
        this.program = program;
    }

    /** Compiles {@code expression}; a mistake is reported with its column. */
    public static MessageFilter compile(String expression) {
        try {
            var ast = COMPILER.compile(expression).getAst();
            return new MessageFilter(expression, RUNTIME.createProgram(ast));
        } catch (CelValidationException e) {
            var issue = e.getErrors().getFirst();
            var loc = issue.getSourceLocation();
            var where = loc.getLine() > 1 ? "line " + loc.getLine() + " column " + (loc.getColumn() + 1) : "column " + (loc.getColumn() + 1);
            throw new KscopeException("invalid filter '" + expression + "' at " + where + ": " + issue.getMessage()
                    + " (variables: " + VARIABLES + "; e.g. 'http.status >= 500 && dst.pod == \"web\"')", e, 2);
        } catch (dev.cel.common.CelException e) {
            throw new KscopeException("invalid filter '" + expression + "': " + e.getMessage(), e, 2);
        }
    }

    public String expression() {
        return expression;
    }

    public boolean test(Message m) {
        try {
            return program.eval(variables(m)) instanceof Boolean b && b;
        } catch (CelEvaluationException e) {
            return false; // e.g. http.status on a DNS message
        }
    }

    /** The message as the filter sees it (also the shape of JSON output). */
    public static Map<String, Object> variables(Message m) {
        var v = new HashMap<String, Object>();
        v.put("proto", m.protocol());
        v.put("summary", m.summary());
        v.put("status", m.status());
        v.put("error", m.error());
        v.put("problem", m.problem() == null ? "" : m.problem());
        v.put("malformed", m.malformed());
        v.put("latency_ms", m.latencyNanos() < 0 ? -1.0 : m.latencyNanos() / 1e6);
        v.put("request_size", m.requestBytes());
        v.put("response_size", m.responseBytes());
        v.put("src", endpoint(m.src()));
        v.put("dst", endpoint(m.dst()));
        for (var p : Message.PROTOCOLS) v.put(p, Map.of());
        v.putAll(m.details());
        return v;
    }

    private static Map<String, Object> endpoint(Endpoint e) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ip", e.ip());
        m.put("port", (long) e.port());
        m.put("pod", e.pod() == null ? "" : e.pod());
        m.put("namespace", e.namespace() == null ? "" : e.namespace());
        m.put("service", e.service() == null ? "" : e.service());
        m.put("port_name", e.portName() == null ? "" : e.portName());
        m.put("services", e.services());
        return m;
    }
}
