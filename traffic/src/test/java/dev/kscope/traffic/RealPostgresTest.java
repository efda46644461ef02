package dev.kscope.traffic;

import dev.kscope.traffic.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/** A real PostgreSQL server (initdb'd into /tmp, port 22432), psql (simple protocol) and pgbench (extended protocol). */
@Tag("root")
class RealPostgresTest {
    static final int PORT = 22432;
    static Path dataDir;
    static Process postgres;

    static String bin(String tool) throws IOException {
        try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
            return dirs.max(Comparator.naturalOrder()).orElseThrow().resolve("bin").resolve(tool).toString();
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        dataDir = Path.of("/tmp/trf-pg-" + ProcessHandle.current().pid());
        LoopbackCapture.run("rm", "-rf", dataDir.toString());
        Files.createDirectories(dataDir);
        LoopbackCapture.run("chown", "postgres", dataDir.toString());
        var init = LoopbackCapture.run("runuser", "-u", "postgres", "--", bin("initdb"), "-D", dataDir.resolve("db").toString(),
                "--auth=trust", "-U", "postgres", "--no-sync");
        assertThat(init).contains("Success");
        postgres = new ProcessBuilder("runuser", "-u", "postgres", "--", bin("postgres"), "-D", dataDir.resolve("db").toString(),
                "-p", "" + PORT, "-h", "127.0.0.1", "-k", dataDir.toString(), "-c", "fsync=off", "-c", "ssl=off")
                .redirectErrorStream(true).redirectOutput(dataDir.resolve("log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            if (LoopbackCapture.run(bin("pg_isready"), "-h", "127.0.0.1", "-p", "" + PORT).contains("accepting")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("postgres did not start: " + Files.readString(dataDir.resolve("log")));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (postgres != null) {
            postgres.destroy();
            postgres.waitFor(10, TimeUnit.SECONDS);
        }
        LoopbackCapture.run("rm", "-rf", dataDir.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> pg(Message m) {
        return (Map<String, Object>) m.details().get("postgres");
    }

    @Test
    void simpleQueriesWithPsql() throws Exception {
        try (var cap = new LoopbackCapture("pg", false, "tcp port " + PORT)) {
            var out = LoopbackCapture.run("psql", "-h", "127.0.0.1", "-p", "" + PORT, "-U", "postgres", "-d", "postgres",
                    "-c", "CREATE TABLE items(id int, name text)",
                    "-c", "INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')",
                    "-c", "SELECT * FROM items WHERE id > 1",
                    "-c", "SELECT * FROM missing_table");
            assertThat(out).contains("does not exist");
            var ms = Replay.analyzeFile(cap.stop());
            assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                    tuple("STARTUP user=postgres database=postgres", "OK"),
                    tuple("CREATE TABLE items(id int, name text)", "CREATE TABLE"),
                    tuple("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')", "INSERT 0 3"),
                    tuple("SELECT * FROM items WHERE id > 1", "SELECT 2"),
                    tuple("SELECT * FROM missing_table", "ERROR 42P01"));
            assertThat(pg(ms.get(3))).containsEntry("rows", 2L).containsEntry("kind", "query");
            assertThat(pg(ms.get(4))).containsEntry("error", "relation \"missing_table\" does not exist").containsEntry("severity", "ERROR");
            assertThat(ms.get(4).error()).isTrue();
            assertThat(ms).allSatisfy(m -> {
                assertThat(m.problem()).isNull();
                assertThat(m.protocol()).isEqualTo("postgres");
                assertThat(m.latencyNanos()).isPositive();
            });
        }
    }

    @Test
    void extendedProtocolWithPgbench() throws Exception {
        var script = dataDir.resolve("bench.sql");
        Files.writeString(script, "SELECT 40 + 2 AS answer;\nSELECT * FROM pg_class WHERE relname = 'nope';\n");
        try (var cap = new LoopbackCapture("pgx", false, "tcp port " + PORT)) {
            LoopbackCapture.run(bin("pgbench"), "-h", "127.0.0.1", "-p", "" + PORT, "-U", "postgres", "-n", "-t", "2",
                    "-M", "prepared", "-f", script.toString(), "postgres");
            var ms = Replay.analyzeFile(cap.stop()).stream().filter(m -> pg(m).get("kind").equals("extended")).toList();
            assertThat(ms).extracting(Message::summary, Message::status).containsExactly(
                    tuple("PREPARE SELECT 40 + 2 AS answer;", "OK"),
                    tuple("SELECT 40 + 2 AS answer;", "SELECT 1"),
                    tuple("PREPARE SELECT * FROM pg_class WHERE relname = 'nope';", "OK"),
                    tuple("SELECT * FROM pg_class WHERE relname = 'nope';", "SELECT 0"),
                    tuple("SELECT 40 + 2 AS answer;", "SELECT 1"),
                    tuple("SELECT * FROM pg_class WHERE relname = 'nope';", "SELECT 0"));
            // The second run binds the statement prepared in the first: its text comes from the Parse seen earlier.
            assertThat(pg(ms.get(4))).containsEntry("statement", "P_0").containsEntry("rows", 1L);
            assertThat(ms).allSatisfy(m -> assertThat(m.problem()).isNull());
        }
    }
}
