package dev.kscope.traffic.dissect.postgres;

import dev.kscope.traffic.dissect.ByteCumulator;
import dev.kscope.traffic.dissect.Conversation;
import dev.kscope.traffic.dissect.Malformed;
import dev.kscope.traffic.dissect.PairingDissector;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message = one client cycle and the server's answer: the startup (until the first ReadyForQuery), a
 * simple Query, or an extended-protocol batch (Parse/Bind/Describe/Execute... up to Sync). Server messages are
 * gathered until ReadyForQuery: CommandComplete tags, row counts, ErrorResponse fields. Large messages (rows,
 * COPY data) stream through without being held.
 */
final class PostgresDissector extends PairingDissector<PostgresDissector.Cycle, PostgresDissector.Cycle> {
    private static final int MAX_HELD_MESSAGE = 60 << 10;
    private static final int MAX_QUERY_CHARS = 2048;

    static final class Cycle extends Part {
        String kind;            // startup, query, extended, cancel
        String query;           // SQL text
        String statement;       // prepared statement name (extended)
        String user, database;
        final StringBuilder tags = new StringBuilder();
        long rows;
        String errorCode, errorMessage, severity;
        boolean ended;
        boolean executed;       // extended: an Execute was sent (else the cycle only prepared)
    }

    private static final class Half {
        Cycle cycle;
        long skip;              // bytes of a large message still to pass over
        boolean awaitingSslAnswer;

        Cycle cycle(long ts) {
            if (cycle == null) {
                cycle = new Cycle();
                cycle.startNanos = ts;
            }
            return cycle;
        }
    }

    private final Half client = new Half(), server = new Half();
    private boolean startupDone;
    private final Map<String, String> statements = new HashMap<>();

    PostgresDissector(Conversation conversation) {
        super(conversation);
    }

    @Override
    protected boolean decode(boolean fromClient, ByteCumulator in, long ts) {
        var h = fromClient ? client : server;
        if (h.skip > 0) {
            int n = (int) Math.min(h.skip, in.readable());
            in.skip(n);
            h.skip -= n;
            h.cycle.bytes += n;
            return h.skip == 0;
        }
        if (!fromClient && client.awaitingSslAnswer) { // the one-byte answer to SSLRequest/GSSENCRequest
            int b = in.get(0);
            in.skip(1);
            client.awaitingSslAnswer = false;
            if (b == 'S' || b == 'G') stop(); // TLS/GSS from here on: nothing to read
            else if (b != 'N') throw new Malformed("bad answer to SSLRequest");
            return true;
        }
        if (fromClient && !startupDone && in.get(0) == 0) return startup(in, ts);
        if (in.readable() < 5) return false;
        int type = in.get(0);
        int len = in.i32(1);
        if (len < 4 || type < 'A' && type != '1' && type != '2' && type != '3') throw new Malformed("bad message header");
        if (fromClient && type == 'p' && h.cycle == null) { // password/SASL: part of the startup exchange
            if (in.readable() < len + 1) return len + 1 <= MAX_HELD_MESSAGE ? false : fail("password message too large");
            in.skip(len + 1);
            return true;
        }
        var c = h.cycle(ts);
        if (len + 1 > MAX_HELD_MESSAGE) {
            if (type == 'Q' || type == 'P') c.query = "(query larger than " + (MAX_HELD_MESSAGE >> 10) + " KiB)";
            if (type == 'D') c.rows++;
            in.skip(5);
            c.bytes += 5;
            h.skip = len - 4;
            return true;
        }
        if (in.readable() < len + 1) return false;
        c.bytes += len + 1;
        if (fromClient) clientMessage(type, in, len, c, ts);
        else serverMessage(type, in, len, c, ts);
        in.skip(len + 1);
        return true;
    }

    private static boolean fail(String why) {
        throw new Malformed(why);
    }

    private boolean startup(ByteCumulator in, long ts) {
        if (in.readable() < 8) return false;
        int len = in.i32(0), code = in.i32(4);
        if (len < 8 || len > 10000) throw new Malformed("bad startup length");
        if (in.readable() < len) return false;
        var c = client.cycle(ts);
        c.bytes += len;
        if (code == Postgres.SSL_REQUEST || code == Postgres.GSS_REQUEST) {
            client.awaitingSslAnswer = true;
            client.cycle = null; // not a message of its own
            in.skip(len);
            return true;
        }
        if (code == Postgres.CANCEL_REQUEST) {
            c.kind = "cancel";
            c.ended = true;
            startupDone = true;
            in.skip(len);
            finishClient(c, ts);
            return true;
        }
        if (code != Postgres.PROTOCOL_3) throw new Malformed("unsupported protocol version " + (code >> 16) + "." + (code & 0xFFFF));
        c.kind = "startup";
        int p = 8;
        while (p < len - 1) {
            int k = zero(in, p, len);
            int v = zero(in, k + 1, len);
            var key = in.utf8(p, k);
            var value = in.utf8(k + 1, v);
            if (key.equals("user")) c.user = value;
            if (key.equals("database")) c.database = value;
            p = v + 1;
        }
        in.skip(len);
        startupDone = true;
        finishClient(c, ts); // the server's answer (auth exchange included) runs until ReadyForQuery
        return true;
    }

    private static int zero(ByteCumulator in, int from, int end) {
        for (int i = from; i < end; i++) if (in.get(i) == 0) return i;
        throw new Malformed("string not terminated");
    }

    private void clientMessage(int type, ByteCumulator in, int len, Cycle c, long ts) {
        int body = 5, end = 1 + len;
        switch (type) {
            case 'Q' -> {
                c.kind = "query";
                c.query = cut(in.utf8(body, zero(in, body, end)));
                finishClient(c, ts);
            }
            case 'P' -> {
                c.kind = "extended";
                int nameEnd = zero(in, body, end);
                var name = in.utf8(body, nameEnd);
                var query = cut(in.utf8(nameEnd + 1, zero(in, nameEnd + 1, end)));
                if (c.query == null) c.query = query;
                if (!name.isEmpty() && statements.size() < 4096) statements.put(name, query);
            }
            case 'B' -> {
                c.kind = "extended";
                int portalEnd = zero(in, body, end);
                var stmt = in.utf8(portalEnd + 1, zero(in, portalEnd + 1, end));
                if (c.query == null && !stmt.isEmpty()) {
                    c.statement = stmt;
                    c.query = statements.getOrDefault(stmt, "(prepared statement " + stmt + ")");
                }
            }
            case 'S' -> {
                if (c.kind == null) c.kind = "extended";
                finishClient(c, ts);
            }
            case 'X' -> client.cycle = null; // Terminate: no answer comes
            case 'E' -> c.executed = true;
            case 'p', 'D', 'C', 'H', 'F', 'd', 'c', 'f' -> {
                // password/SASL, describe, execute, close, flush, function call, COPY: part of the cycle
            }
            default -> throw new Malformed("unknown frontend message '" + (char) type + "'");
        }
    }

    private void finishClient(Cycle c, long ts) {
        client.cycle = null;
        done(true, c, ts);
    }

    private void serverMessage(int type, ByteCumulator in, int len, Cycle c, long ts) {
        int body = 5, end = 1 + len;
        switch (type) {
            case 'C' -> {
                if (!c.tags.isEmpty()) c.tags.append("; ");
                if (c.tags.length() < 256) c.tags.append(in.utf8(body, zero(in, body, end)));
            }
            case 'D' -> c.rows++;
            case 'E' -> {
                int p = body;
                while (p < end && in.get(p) != 0) {
                    int field = in.get(p);
                    int z = zero(in, p + 1, end);
                    var value = in.utf8(p + 1, z);
                    switch (field) {
                        case 'C' -> c.errorCode = value;
                        case 'M' -> c.errorMessage = cut(value);
                        case 'V' -> c.severity = value;
                        case 'S' -> {
                            if (c.severity == null) c.severity = value;
                        }
                        default -> {
                        }
                    }
                    p = z + 1;
                }
                if (!startupDone || (oldestPending() != null && "startup".equals(oldestPending().kind))) {
                    // a failed startup ends without ReadyForQuery
                    finishServer(c, ts);
                }
            }
            case 'Z' -> finishServer(c, ts);
            case 'R', 'S', 'K', 'T', 'N', '1', '2', '3', 'n', 's', 'I', 't', 'G', 'H', 'W', 'd', 'c', 'A', 'V', 'v' -> {
                // auth, parameters, key data, row description, notices, parse/bind/close complete, COPY, ...
            }
            default -> throw new Malformed("unknown backend message '" + (char) type + "'");
        }
    }

    private void finishServer(Cycle c, long ts) {
        server.cycle = null;
        done(false, c, ts);
    }

    private static String cut(String s) {
        return s.length() > MAX_QUERY_CHARS ? s.substring(0, MAX_QUERY_CHARS) + "…" : s;
    }

    @Override
    protected void abort(boolean fromClient, String problem, long ts) {
        var h = fromClient ? client : server;
        h.skip = 0;
        if (h.cycle == null) return;
        h.cycle.problem(problem);
        if (fromClient) finishClient(h.cycle, ts);
        else finishServer(h.cycle, ts);
    }

    @Override
    protected int findStart(boolean fromClient, ByteCumulator in) {
        // Resync at a message whose header is plausible and whose successor header is too.
        int n = in.readable();
        for (int i = 0; i + 5 <= n; i++) {
            int t = in.get(i);
            if (fromClient ? t != 'Q' && t != 'P' : t != 'Z' && t != 'C' && t != 'E' && t != 'T') continue;
            int len = in.i32(i + 1);
            if (len >= 4 && len < 1 << 20 && (i + 1 + len + 5 > n || in.get(i + 1 + len) >= 'A')) return i;
        }
        return -1;
    }

    @Override
    protected void emit(Cycle q, Cycle r) {
        var pg = new LinkedHashMap<String, Object>();
        String summary;
        if (q == null) {
            summary = "(request not captured)";
        } else {
            pg.put("kind", q.kind == null ? "unknown" : q.kind);
            if (q.query != null) pg.put("query", q.query);
            if (q.statement != null) pg.put("statement", q.statement);
            if (q.user != null) pg.put("user", q.user);
            if (q.database != null) pg.put("database", q.database);
            summary = switch (q.kind == null ? "" : q.kind) {
                case "startup" -> "STARTUP user=" + q.user + (q.database == null ? "" : " database=" + q.database);
                case "cancel" -> "CANCEL";
                case "extended" -> q.query == null ? "(sync)" : (q.executed ? "" : "PREPARE ") + q.query.replaceAll("\\s+", " ").strip();
                default -> q.query == null ? "(sync)" : q.query.replaceAll("\\s+", " ").strip();
            };
        }
        String status = "";
        boolean error = false;
        if (r != null) {
            pg.put("rows", r.rows);
            if (!r.tags.isEmpty()) pg.put("command_tag", r.tags.toString());
            if (r.errorCode != null) {
                error = true;
                pg.put("error_code", r.errorCode);
                pg.put("error", r.errorMessage == null ? "" : r.errorMessage);
                pg.put("severity", r.severity == null ? "" : r.severity);
                status = (r.severity == null ? "ERROR" : r.severity) + " " + r.errorCode;
            } else {
                status = r.tags.isEmpty() ? "OK" : r.tags.toString();
            }
        }
        String problem = problem(q, r);
        if (q != null && "cancel".equals(q.kind) && r == null) problem = null; // a cancel request gets no answer
        conversation.emit("postgres", q != null ? q.startNanos : r.startNanos, latency(q, r), q == null ? 0 : q.bytes,
                r == null ? 0 : r.bytes, summary, status, error, problem, Map.of("postgres", pg));
    }
}
