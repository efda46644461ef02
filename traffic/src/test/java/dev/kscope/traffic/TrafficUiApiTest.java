package dev.kscope.traffic;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kscope.traffic.message.Endpoint;
import dev.kscope.traffic.message.Message;
import dev.kscope.traffic.ui.TrafficUi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The UI's HTTP API on its own (loopback, no browser): the query parameters every handler shares. */
class TrafficUiApiTest {
    static final int PORT = 25180;
    static TrafficUi ui;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void serve() {
        ui = new TrafficUi(new InetSocketAddress("127.0.0.1", PORT), 100);
        for (long id = 1; id <= 3; id++) {
            long status = id == 2 ? 500 : 200;
            ui.accept(new Message(id, "http", new Endpoint("10.0.0.7", 41000, "web-1", "shop"), new Endpoint("10.0.0.2", 80, null, null),
                    id * 1_000_000_000L, 2_000_000, 20, 30, "GET /" + id, Long.toString(status), status >= 500, null,
                    Map.of("http", Map.of("method", "GET", "status", status))));
        }
    }

    @AfterAll
    static void stop() {
        if (ui != null) ui.close();
    }

    static URI uri(String path, String query) {
        return ui.uri().resolve(path + (query.isEmpty() ? "" : "?" + query));
    }

    static String q(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static List<Long> ids(String query) throws Exception {
        var r = HTTP.send(HttpRequest.newBuilder(uri("/api/messages", query)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        var ids = new ArrayList<Long>();
        new ObjectMapper().readTree(r.body()).forEach(m -> ids.add(m.get("id").asLong()));
        return ids;
    }

    @Test
    void messagesTakeFilterAndLimit() throws Exception {
        assertThat(ids("")).containsExactly(1L, 2L, 3L);
        assertThat(ids("limit=2")).containsExactly(2L, 3L);
        assertThat(ids(q("filter", "http.status >= 500"))).containsExactly(2L);
        assertThat(ids(q("filter", "http.status < 500") + "&limit=1")).containsExactly(3L);
    }

    @Test
    void streamSendsTheMatchingBacklogAfterSince() throws Exception {
        var r = HTTP.send(HttpRequest.newBuilder(uri("/api/stream", "since=1&" + q("filter", "http.status < 500"))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).isEqualTo(": connected");
            assertThat(in.readLine()).isEmpty();
            var data = in.readLine();
            assertThat(data).startsWith("data: ");
            assertThat(new ObjectMapper().readTree(data.substring(6)).get("id").asLong()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/messages", "/api/stream", "/api/map"})
    void badParametersAre400NamingTheFix(String path) throws Exception {
        var cases = Map.of(
                q("filter", "http.status >="), "invalid filter",
                "limit=0", "invalid limit '0' (use a whole number from 1)",
                "limit=many", "invalid limit 'many' (use a whole number from 1)",
                "since=x", "invalid since 'x' (use a whole number from -1)");
        for (var c : cases.entrySet()) {
            var r = HTTP.send(HttpRequest.newBuilder(uri(path, c.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + "?" + c.getKey()).isEqualTo(400);
            assertThat(new ObjectMapper().readTree(r.body()).get("error").asText()).as(path + "?" + c.getKey()).contains(c.getValue());
        }
    }
}
