package dev.kscope.traffic.dissect.dns;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a query/response pair into message fields, the same for UDP and TCP. */
final class DnsMessages {
    private DnsMessages() {
    }

    static String summary(DnsMessage q, DnsMessage r) {
        var m = q != null ? q : r;
        return DnsMessage.typeName(m.type()) + " " + m.name();
    }

    static Map<String, Object> details(DnsMessage q, DnsMessage r) {
        var m = q != null ? q : r;
        var dns = new LinkedHashMap<String, Object>();
        dns.put("id", (long) m.id());
        dns.put("name", m.name());
        dns.put("type", DnsMessage.typeName(m.type()));
        if (r != null) {
            dns.put("rcode", DnsMessage.rcodeName(r.rcode()));
            dns.put("answers", r.answers());
            dns.put("truncated", r.truncated());
        } else {
            dns.put("answers", List.of());
        }
        return Map.of("dns", dns);
    }
}
