package dev.kscope.traffic.dissect.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * Topic ids to names, learned from the Metadata and CreateTopics responses of every connection of one
 * analysis: since v13, Produce and Fetch name topics by id only, and a client asks for metadata on one
 * connection (often its bootstrap one) before it produces or fetches on another.
 */
final class TopicNames {
    private static final int MAX = 100_000;
    /** The zero id: what a response carries for a topic it has no id for (e.g. with an error). */
    static final String NONE = "AAAAAAAAAAAAAAAAAAAAAA";
    private final Map<String, String> byId = new HashMap<>();

    void learn(String id, String name) {
        if (id.equals(NONE)) return;
        if (byId.size() < MAX || byId.containsKey(id)) byId.put(id, name);
    }

    /** The name of {@code id}, or the id itself if no response named it (yet). */
    String name(String id) {
        return byId.getOrDefault(id, id);
    }
}
