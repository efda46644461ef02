package dev.kscope.traffic.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.core.KscopeException;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Message history in an embedded DuckDB file, bounded by age and size: after each batch, messages older than
 * {@code maxAge} (by capture time, relative to the newest message stored) are deleted, and while the database
 * is larger than {@code maxBytes} the oldest tenth is deleted. One table, {@code messages}, queryable with the
 * duckdb CLI too; protocol fields are a JSON column.
 */
public final class MessageStore implements AutoCloseable {
    private static final int BATCH = 2000;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    /** A message as stored, with the capture it came from (for exporting its packets). */
    public record Stored(Message message, String source) {
    }

    private final Path path;
    private final Connection db;
    private final Duration maxAge;
    private final long maxBytes;
    private DuckDBAppender appender; // DuckDB's bulk path: a prepared INSERT per row costs 10x more
    private int pending;
    private long newestNanos;

    public MessageStore(Path path, Duration maxAge, long maxBytes) {
        this.path = path;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        try {
            var parent = path.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            // Appending from one thread needs no worker pool, and DuckDB would otherwise size its memory to the machine's
            // (80% of RAM): bounded here, it spills to disk beyond that.
            var settings = new java.util.Properties();
            settings.setProperty("threads", "1");
            settings.setProperty("memory_limit", "256MB");
            db = DriverManager.getConnection("jdbc:duckdb:" + path.toAbsolutePath(), settings);
            try (var st = db.createStatement()) {
                st.execute("""
                        CREATE TABLE IF NOT EXISTS messages (
                          id BIGINT, time_ns BIGINT, proto VARCHAR,
                          src_ip VARCHAR, src_port INTEGER, src_pod VARCHAR, src_namespace VARCHAR,
                          dst_ip VARCHAR, dst_port INTEGER, dst_pod VARCHAR, dst_namespace VARCHAR,
                          summary VARCHAR, status VARCHAR, error BOOLEAN, problem VARCHAR, latency_ns BIGINT,
                          request_size BIGINT, response_size BIGINT, details JSON, source VARCHAR,
                          src_service VARCHAR, src_port_name VARCHAR, dst_service VARCHAR, dst_port_name VARCHAR,
                          src_services VARCHAR, dst_services VARCHAR)""");
                addMissingColumns(st);
                st.execute("CREATE INDEX IF NOT EXISTS messages_time ON messages(time_ns)");
            }
        } catch (SQLException | java.io.IOException e) {
            throw new KscopeException("cannot open message history " + path + ": " + e.getMessage()
                    + " (is another kscope using it? give another --db PATH)", e);
        }
    }

    /** A history written by an older kscope lacks the service columns: they are added (empty for the old rows). */
    private static void addMissingColumns(java.sql.Statement st) throws SQLException {
        var present = new java.util.HashSet<String>();
        try (var rs = st.executeQuery("SELECT column_name FROM information_schema.columns WHERE table_name = 'messages'")) {
            while (rs.next()) present.add(rs.getString(1));
        }
        var missing = SERVICE_COLUMNS.stream().filter(c -> !present.contains(c)).toList();
        if (missing.isEmpty()) return;
        st.execute("DROP INDEX IF EXISTS messages_time"); // DuckDB does not alter a table an index depends on
        for (var column : missing) st.execute("ALTER TABLE messages ADD COLUMN " + column + " VARCHAR");
    }

    private static final List<String> SERVICE_COLUMNS = List.of("src_service", "src_port_name", "dst_service", "dst_port_name",
            "src_services", "dst_services"); // services: comma-separated (a service name has no comma)

    public void add(Message m, String source) {
        try {
            if (appender == null) appender = ((DuckDBConnection) db).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "messages");
            appender.beginRow().append(m.id()).append(m.startNanos());
            text(m.protocol());
            for (var e : new Endpoint[]{m.src(), m.dst()}) {
                text(e.ip());
                appender.append(e.port());
                text(e.pod());
                text(e.namespace());
            }
            text(m.summary());
            text(m.status());
            appender.append(m.error());
            text(m.problem());
            appender.append(m.latencyNanos()).append(m.requestBytes()).append(m.responseBytes());
            text(JSON.writeValueAsString(m.details()));
            text(source);
            for (var e : new Endpoint[]{m.src(), m.dst()}) {
                text(e.service());
                text(e.portName());
            }
            for (var e : new Endpoint[]{m.src(), m.dst()}) text(e.services().isEmpty() ? null : String.join(",", e.services()));
            appender.endRow();
            newestNanos = Math.max(newestNanos, m.startNanos());
            if (++pending >= BATCH) flush();
        } catch (SQLException | JsonProcessingException e) {
            throw new KscopeException("cannot store message in " + path + ": " + e.getMessage() + " (is the disk full?)", e);
        }
    }

    private void text(String s) throws SQLException {
        if (s == null) appender.appendNull();
        else appender.append(s);
    }

    /** Writes pending messages and applies the bounds. */
    public void flush() {
        if (pending == 0) return;
        try {
            appender.flush();
            pending = 0;
            enforceBounds();
        } catch (SQLException e) {
            throw new KscopeException("cannot store messages in " + path + ": " + e.getMessage() + " (is the disk full?)", e);
        }
    }

    private void enforceBounds() throws SQLException {
        try (var st = db.createStatement()) {
            if (maxAge != null) st.execute("DELETE FROM messages WHERE time_ns < " + (newestNanos - maxAge.toNanos()));
            for (int round = 0; round < 10 && maxBytes > 0 && usedBytes() > maxBytes; round++) {
                st.execute("DELETE FROM messages WHERE time_ns <= (SELECT quantile_disc(time_ns, 0.1) FROM messages)");
                st.execute("CHECKPOINT");
            }
        }
    }

    /** Bytes of the blocks in use (deleted rows' blocks are reused, so this is what the bound applies to). */
    long usedBytes() throws SQLException {
        try (var st = db.createStatement(); var rs = st.executeQuery("SELECT used_blocks * block_size FROM pragma_database_size()")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public long count() {
        try (var st = db.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM messages")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new KscopeException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Messages that started at or after {@code sinceNanos}, oldest first. */
    public List<Stored> since(long sinceNanos) {
        var out = new ArrayList<Stored>();
        forEachSince(sinceNanos, out::add);
        return out;
    }

    /** {@link #since}, one message at a time: a history of millions of messages is read without holding them all. */
    public void forEachSince(long sinceNanos, java.util.function.Consumer<Stored> each) {
        flush();
        try (var st = db.prepareStatement("SELECT * FROM messages WHERE time_ns >= ? ORDER BY time_ns, id")) {
            st.setLong(1, sinceNanos);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> details = JSON.readValue(rs.getString("details"), new TypeReference<>() {
                    });
                    var m = new Message(rs.getLong("id"), rs.getString("proto"),
                            endpoint(rs, "src_"), endpoint(rs, "dst_"),
                            rs.getLong("time_ns"), rs.getLong("latency_ns"), rs.getLong("request_size"), rs.getLong("response_size"),
                            rs.getString("summary"), rs.getString("status"), rs.getBoolean("error"), rs.getString("problem"), details);
                    each.accept(new Stored(m, rs.getString("source")));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new KscopeException("cannot read message history " + path + ": " + e.getMessage(), e);
        }
    }

    private static Endpoint endpoint(java.sql.ResultSet rs, String side) throws SQLException {
        return new Endpoint(rs.getString(side + "ip"), rs.getInt(side + "port"), rs.getString(side + "pod"), rs.getString(side + "namespace"),
                rs.getString(side + "service"), rs.getString(side + "port_name"),
                rs.getString(side + "services") == null ? List.of() : List.of(rs.getString(side + "services").split(",")));
    }

    @Override
    public void close() {
        try {
            flush();
        } finally {
            try {
                if (appender != null) appender.close();
                db.close();
            } catch (SQLException e) {
                throw new KscopeException("cannot close " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
