package dev.kscope.traffic;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.traffic.filter.MessageFilter;
import dev.kscope.traffic.history.MessageStore;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.output.MessageColumns;
import dev.kscope.traffic.resolve.EndpointResolver.Name;
import dev.kscope.traffic.resolve.EndpointResolver.ServicePorts;
import dev.kscope.traffic.ui.TrafficUi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Service names on endpoints: which service a port belongs to, and how names reach JSON, CEL, the history and the map. */
class ServiceNamesTest {
    static final Name ORDERS_POD = new Name("shop", "orders-1", List.of(new ServicePorts("orders", Map.of(8080, "http", 9090, "")),
            new ServicePorts("orders-admin", Map.of(9000, "admin"))));
    static final Name ORDERS_IP = new Name("shop", null, List.of(new ServicePorts("orders", Map.of(80, "http"))));
    static final Name FRONTEND_POD = new Name("shop", "frontend-1", List.of(new ServicePorts("frontend", Map.of(8080, "web"))));

    static Message call(long id, Endpoint src, Endpoint dst, String status) {
        return new Message(id, "http", src, dst, 1_700_000_000_000_000_000L + id, 1_000_000, 10, 20, "GET /x", status,
                !status.startsWith("2"), null, Map.of("http", Map.of("status", Long.parseLong(status))));
    }

    @Test
    void theServiceOfAnEndpointIsTheOneServingItsPort() {
        assertThat(ORDERS_POD.on("10.0.0.7", 9000)).isEqualTo(new Endpoint("10.0.0.7", 9000, "orders-1", "shop", "orders-admin", "admin",
                List.of("orders", "orders-admin")));
        assertThat(ORDERS_POD.on("10.0.0.7", 8080)).isEqualTo(new Endpoint("10.0.0.7", 8080, "orders-1", "shop", "orders", "http", List.of("orders", "orders-admin")));
        assertThat(ORDERS_POD.on("10.0.0.7", 9090).portName()).as("an unnamed service port").isNull();
        assertThat(ORDERS_POD.on("10.0.0.7", 41000)).as("a client's ephemeral port: the pod's first service")
                .isEqualTo(new Endpoint("10.0.0.7", 41000, "orders-1", "shop", "orders", null, List.of("orders", "orders-admin")));
        assertThat(ORDERS_IP.on("10.96.0.20", 80).display()).isEqualTo("shop/svc/orders:80");
        assertThat(ORDERS_IP.on("10.96.0.20", 80).serviceDisplay()).isEqualTo("shop/orders:http");
        assertThat(ORDERS_POD.on("10.0.0.7", 8080).display()).isEqualTo("shop/orders-1:8080");
        assertThat(Name.pod("shop", "db-0").on("10.0.0.9", 5432).serviceDisplay()).isEmpty();
    }

    @Test
    void jsonAndFilterSeeServicesAndPortNames() throws Exception {
        var m = call(1, FRONTEND_POD.on("10.0.0.5", 41000), ORDERS_IP.on("10.96.0.20", 80), "200");
        @SuppressWarnings("unchecked")
        var dst = (Map<String, Object>) new ObjectMapper().readValue(MessageColumns.json(m), Map.class).get("dst");
        assertThat(dst).isEqualTo(Map.of("ip", "10.96.0.20", "port", 80, "pod", "", "namespace", "shop", "service", "orders", "port_name", "http",
                "services", List.of("orders")));
        assertThat(MessageFilter.compile("dst.service == \"orders\" && src.service == \"frontend\" && src.namespace == \"shop\"").test(m)).isTrue();
        assertThat(MessageFilter.compile("dst.port_name == \"http\" && dst.pod == \"\"").test(m)).isTrue();
        assertThat(MessageFilter.compile("dst.service == \"payments\"").test(m)).isFalse();
        var toAdmin = call(3, FRONTEND_POD.on("10.0.0.5", 41001), ORDERS_POD.on("10.0.0.7", 9000), "200");
        assertThat(MessageFilter.compile("\"orders\" in dst.services && dst.service == \"orders-admin\"").test(toAdmin)).isTrue();
        assertThat(MessageFilter.compile("dst.services.exists(s, s.startsWith(\"pay\"))").test(toAdmin)).isFalse();
        var bare = call(2, new Endpoint("10.0.0.1", 1, null, null), new Endpoint("10.0.0.2", 2, null, null), "200");
        assertThat(MessageFilter.compile("dst.service == \"\" && src.port_name == \"\" && size(dst.services) == 0").test(bare)).isTrue();
    }

    @Test
    void historyWrittenBeforeServicesGainsTheColumns(@TempDir Path dir) throws Exception {
        var db = dir.resolve("old.duckdb");
        try (var c = DriverManager.getConnection("jdbc:duckdb:" + db); var st = c.createStatement()) {
            // the schema kscope wrote before service names, with one message in it
            st.execute("""
                    CREATE TABLE messages (
                      id BIGINT, time_ns BIGINT, proto VARCHAR,
                      src_ip VARCHAR, src_port INTEGER, src_pod VARCHAR, src_namespace VARCHAR,
                      dst_ip VARCHAR, dst_port INTEGER, dst_pod VARCHAR, dst_namespace VARCHAR,
                      summary VARCHAR, status VARCHAR, error BOOLEAN, problem VARCHAR, latency_ns BIGINT,
                      request_size BIGINT, response_size BIGINT, details JSON, source VARCHAR)""");
            st.execute("CREATE INDEX messages_time ON messages(time_ns)");
            st.execute("INSERT INTO messages VALUES (7, 1700000000000000000, 'http', '10.0.0.5', 41000, 'frontend-1', 'shop', "
                    + "'10.0.0.7', 8080, 'orders-1', 'shop', 'GET /old', '200', false, NULL, 1000, 1, 2, '{}', 'old.pcap')");
        }
        var fresh = call(8, FRONTEND_POD.on("10.0.0.5", 41001), ORDERS_POD.on("10.0.0.7", 8080), "503");
        try (var store = new MessageStore(db, null, 0)) {
            store.add(fresh, "new.pcap");
            var stored = store.since(Long.MIN_VALUE);
            assertThat(stored).extracting(s -> s.message().summary()).containsExactly("GET /old", "GET /x");
            assertThat(stored.get(0).message().dst()).isEqualTo(new Endpoint("10.0.0.7", 8080, "orders-1", "shop"));
            assertThat(stored.get(1).message().dst()).isEqualTo(fresh.dst());
            assertThat(stored.get(1).message().src()).isEqualTo(fresh.src());
            assertThat(stored.get(1).message().dst().services()).containsExactly("orders", "orders-admin");
        }
        try (var store = new MessageStore(db, null, 0)) {
            assertThat(store.count()).as("reopened: migrated once, nothing lost").isEqualTo(2);
        }
    }

    @Test
    void serviceMapGroupsPodsByService() throws Exception {
        try (var ui = new TrafficUi(new InetSocketAddress("127.0.0.1", 23010), 100)) {
            ui.accept(call(1, FRONTEND_POD.on("10.0.0.5", 41000), ORDERS_IP.on("10.96.0.20", 80), "200"));
            ui.accept(call(2, FRONTEND_POD.on("10.0.0.5", 41001), ORDERS_POD.on("10.0.0.7", 8080), "503"));
            ui.accept(call(3, FRONTEND_POD.on("10.0.0.5", 41002), new Name("shop", "orders-2", ORDERS_POD.services()).on("10.0.0.8", 8080), "200"));
            ui.accept(call(4, new Endpoint("10.0.0.1", 5000, null, null), Name.pod("shop", "db-0").on("10.0.0.9", 5432), "200"));
            var body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ui.uri() + "api/map")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            @SuppressWarnings("unchecked")
            Map<String, List<Map<String, Object>>> map = new ObjectMapper().readValue(body, Map.class);
            assertThat(map.get("nodes")).containsExactly(
                    Map.of("id", "shop/svc/frontend", "namespace", "shop", "kind", "service", "pods", List.of("frontend-1")),
                    Map.of("id", "shop/svc/orders", "namespace", "shop", "kind", "service", "pods", List.of("orders-1", "orders-2")),
                    Map.of("id", "10.0.0.1", "namespace", "", "kind", "address", "pods", List.of()),
                    Map.of("id", "shop/db-0:5432", "namespace", "shop", "kind", "pod", "pods", List.of()));
            assertThat(map.get("edges")).hasSize(2);
            assertThat(map.get("edges").getFirst()).containsEntry("source", "shop/svc/frontend").containsEntry("target", "shop/svc/orders")
                    .containsEntry("calls", 3).containsEntry("error_rate", 0.3333);
        }
    }
}
