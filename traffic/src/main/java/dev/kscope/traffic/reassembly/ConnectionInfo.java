package dev.kscope.traffic.reassembly;

/**
 * What is known when a connection is first seen.
 *
 * @param clientIsA       which side opened it (from the SYN), or the best guess when the capture started midway
 * @param sawHandshake    false when the connection was already open when the capture started
 */
public record ConnectionInfo(long id, FlowKey key, boolean clientIsA, boolean sawHandshake, long startNanos) {
    public String clientAddress() {
        return clientIsA ? key.aAddress() : key.bAddress();
    }

    public int clientPort() {
        return clientIsA ? key.aPort() : key.bPort();
    }

    public String serverAddress() {
        return clientIsA ? key.bAddress() : key.aAddress();
    }

    public int serverPort() {
        return clientIsA ? key.bPort() : key.aPort();
    }
}
