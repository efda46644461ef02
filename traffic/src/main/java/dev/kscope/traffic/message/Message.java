package dev.kscope.traffic.message;

import java.util.List;
import java.util.Map;

/**
 * One request and its response (or a request without one, or a one-way message).
 *
 * @param protocol      http, dns, redis, postgres, ...
 * @param src           the client
 * @param dst           the server
 * @param startNanos    when the request's first byte was captured (epoch nanoseconds)
 * @param latencyNanos  first request byte to last response byte; -1 when no response was seen
 * @param summary       one line describing the request, e.g. {@code GET /index.html}
 * @param status        protocol status of the response, e.g. {@code 200}, {@code NXDOMAIN}, {@code OK}, {@code ERR}
 * @param error         true when the response is a failure (HTTP >= 500 or 400s, DNS rcode != 0, Redis error, ...)
 * @param problem       null, or why the message is incomplete: {@code malformed: ...}, {@code gap in capture}, {@code no response}
 * @param details       protocol fields, named as in the filter language (e.g. http.method, dns.name)
 */
public record Message(long id, String protocol, Endpoint src, Endpoint dst, long startNanos, long latencyNanos,
                      long requestBytes, long responseBytes, String summary, String status, boolean error,
                      String problem, Map<String, Object> details) {
    /** The protocols whose fields {@link #details} holds, each as a map under its name (http, dns, ...). */
    public static final List<String> PROTOCOLS = List.of("http", "dns", "redis", "postgres", "grpc", "kafka");


    public boolean malformed() {
        return problem != null && problem.startsWith("malformed");
    }

    public boolean answered() {
        return latencyNanos >= 0;
    }
}
